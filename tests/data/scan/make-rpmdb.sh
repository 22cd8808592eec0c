#!/bin/sh
# Regenerate the rpm database fixtures under tests/data/scan/rpm/ with the real tools:
# two trivially built noarch packages (one with an epoch and files in two directories,
# one a subpackage whose source rpm name differs), installed with `rpm --justdb` into
# an SQLite database; the NDB and BerkeleyDB forms are written from the same header blobs
# (see below: this rpm can produce neither).
# expected.txt is what `rpm -qa` itself says about the database.
# Needs: rpm, rpmbuild, sqlite3, db5.3_load.  Run from anywhere; rewrites the fixtures.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out="$here/rpm"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/SPECS"
cat > "$work/SPECS/hello.spec" <<'SPEC'
Name: hull-hello
Epoch: 2
Version: 1.0
Release: 3.fc40
Summary: test package
License: MIT AND (GPL-2.0-or-later OR BSD-3-Clause)
BuildArch: noarch
%description
A package for hull's inventory tests.
%install
mkdir -p %{buildroot}/usr/share/hull-hello %{buildroot}/etc
echo hi > %{buildroot}/usr/share/hull-hello/a.txt
echo hi > %{buildroot}/usr/share/hull-hello/b.txt
echo x > %{buildroot}/etc/hull-hello.conf
%files
/usr/share/hull-hello
/etc/hull-hello.conf
SPEC
cat > "$work/SPECS/libs.spec" <<'SPEC'
Name: hull-tools
Version: 2.5.1
Release: 1.el9
Summary: test package
License: Apache-2.0
BuildArch: noarch
%description
Subpackage-like test package.
%package -n hull-tools-libs
Summary: libs
%description -n hull-tools-libs
libs
%install
mkdir -p %{buildroot}/usr/lib/hull
echo l > %{buildroot}/usr/lib/hull/libhull.txt
%files -n hull-tools-libs
/usr/lib/hull/libhull.txt
SPEC
for s in hello libs; do
	rpmbuild -bb --define "_topdir $work" --define '_build_id_links none' \
		"$work/SPECS/$s.spec" >/dev/null 2>&1
done
rpms=$(find "$work/RPMS" -name '*.rpm' | sort)

rm -rf "$out"
mkdir -p "$out/sqlite/var/lib/rpm" "$out/ndb/var/lib/rpm" "$out/bdb/var/lib/rpm"
db="$work/db-sqlite"
mkdir -p "$db"
rpm --dbpath "$db" --initdb
# shellcheck disable=SC2086
rpm --dbpath "$db" -i --justdb --nodeps --nosignature $rpms 2>/dev/null
cp "$db/rpmdb.sqlite" "$out/sqlite/var/lib/rpm/"

# NDB: Debian's rpm 4.18 is built without the ndb backend (`rpm --showrc`: sqlite bdb_ro
# dummy), so Packages.db is written here from the same header blobs following rpm's own
# writer, lib/backend/ndb/rpmpkg.c (rpmpkgWriteEmptySlotpage, rpmpkgWriteBlob,
# rpmpkgWriteslot): a 32-byte header "RpmP", one 4096-byte slot page of 16-byte
# "Slot" entries, then per package "BlbS" pkgidx tstamp len | blob | pad | adler32 len "BlbE".
sqlite3 "$db/rpmdb.sqlite" "SELECT hnum, lower(hex(blob)) FROM Packages" |
	/usr/bin/python3 -c '
import struct, sys, zlib
slots, blobs, blk = [], [], 4096 // 16
for line in sys.stdin:
    n, hexblob = line.strip().split("|")
    b = bytes.fromhex(hexblob)
    head = struct.pack("<4sIII", b"BlbS", int(n), 0, len(b))
    cnt = (16 + len(b) + 12 + 15) // 16
    pad = b"\0" * (cnt * 16 - 16 - len(b) - 12)
    body = head + b + pad
    blobs.append(body + struct.pack("<II4s", zlib.adler32(body), len(b), b"BlbE"))
    slots.append((int(n), blk, cnt))
    blk += cnt
page = bytearray(struct.pack("<4sIIII", b"RpmP", 0, len(slots) + 1, 1, len(slots) + 1).ljust(32, b"\0"))
for i in range(2, 256):
    s = slots[i - 2] if i - 2 < len(slots) else (0, 0, 0)
    page += struct.pack("<4sIII", b"Slot", *s)
sys.stdout.buffer.write(bytes(page) + b"".join(blobs))
' > "$out/ndb/var/lib/rpm/Packages.db"

# BerkeleyDB: key = header number (4 bytes, host order), value = header blob, as rpm's
# bdb backend stored them; db5.3_load reads the db_dump "bytevalue" format (hex).
{
	printf 'VERSION=3\nformat=bytevalue\ntype=hash\nHEADER=END\n'
	sqlite3 "$db/rpmdb.sqlite" "SELECT hnum, lower(hex(blob)) FROM Packages" |
		while IFS='|' read -r n hex; do
			printf ' %02x000000\n %s\n' "$n" "$hex"
		done
	printf 'DATA=END\n'
} > "$work/bdb.dump"
db5.3_load -f "$work/bdb.dump" "$out/bdb/var/lib/rpm/Packages"

rpm --dbpath "$db" -qa \
	--qf '%{NAME} %{EPOCHNUM} %{VERSION}-%{RELEASE} %{ARCH} %{SOURCERPM} %{LICENSE}\n' |
	sort > "$out/expected.txt"
rpm --dbpath "$db" -qal | sort > "$out/expected-files.txt"
# The BerkeleyDB file must be what rpm itself reads (its read-only bdb_ro backend).
rpm --define '_db_backend bdb_ro' --dbpath "$out/bdb/var/lib/rpm" -qa 2>/dev/null | sort >"$work/bdb.txt"
rpm --dbpath "$db" -qa | sort | cmp - "$work/bdb.txt"
