# -*- encoding: utf-8 -*-
# stub: demo 1.2.3 ruby lib

Gem::Specification.new do |spec|
  spec.name = "demo".freeze
  spec.version = "1.2.3"
  spec.summary = "s.name = \"evil\"".freeze
  spec.licenses = ["MIT".freeze, "Ruby".freeze]
  system("echo never evaluated")
end
