#pragma once
// Internal: the strategies of the built-in kinds, keyed by storage name ("core/pods").

#include <map>
#include <string>

#include "pkg/apiserver/strategy.h"

namespace sampan::apiserver {

std::map<std::string, const Strategy*> BuiltinStrategies();

// Per-group registration, each in its strategy_<group>.cc.
void RegisterCoreStrategies(std::map<std::string, const Strategy*>& out);
void RegisterAppsStrategies(std::map<std::string, const Strategy*>& out);
void RegisterRbacStrategies(std::map<std::string, const Strategy*>& out);
void RegisterApiextensionsStrategies(std::map<std::string, const Strategy*>& out);

}  // namespace sampan::apiserver
