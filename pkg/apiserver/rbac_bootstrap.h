#pragma once
// The default RBAC policy every cluster starts with (upstream's bootstrap roles, condensed):
// cluster-admin, admin, edit, view, system:discovery, system:basic-user,
// system:public-info-viewer, system:node, system:node-proxier, and their bindings
// (cluster-admin to system:masters, discovery and basic-user to every authenticated user,
// system:node to system:nodes). Created when missing; never overwrites an edited role.

#include "pkg/apiserver/rest_handler.h"

namespace sampan::apiserver {

Status BootstrapRbac(RestHandler& rest);

}  // namespace sampan::apiserver
