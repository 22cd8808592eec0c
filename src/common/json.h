/* placeholder: the OCI helper owns this file */
#ifndef HULL_JSON_H
#define HULL_JSON_H
#endif
