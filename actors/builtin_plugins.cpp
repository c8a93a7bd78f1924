// SPDX-License-Identifier: MIT
#include "builtin_plugins.hpp"

#include "chargen/chargen.hpp"
#include "chat/chat.hpp"
#include "daytime/daytime.hpp"
#include "discard/discard.hpp"
#include "echo/echo.hpp"
#include "finger/finger.hpp"
#include "kv/kv.hpp"
#include "portforward/portforward.hpp"
#include "pubsub/pubsub.hpp"
#include "qotd/qotd.hpp"
#include "web/web.hpp"
#include "weblog/weblog.hpp"

namespace ply::actors {

void register_builtin_plugins(plugin_registry& reg) {
  register_chargen_plugin(reg);
  chat::register_plugin(reg);
  register_daytime_plugin(reg);
  register_discard_plugin(reg);
  register_echo_plugin(reg);
  finger::register_plugin(reg);
  kv::register_plugin(reg);
  register_portforward_plugin(reg);
  pubsub::register_plugin(reg);
  register_qotd_plugin(reg);
  web::register_plugin(reg);
  weblog::register_plugin(reg);
}

} // namespace ply::actors
