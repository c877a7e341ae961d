#pragma once
// The receiving half of a channel WebSocket session (exec, attach, port-forward): reads what
// the upgraded connection holds and hands each message to the caller by channel.

#include <cstdint>
#include <functional>
#include <string_view>

#include "pkg/util/http_client.h"
#include "pkg/util/websocket.h"

namespace sampan::kubectl {

enum class ChannelRead {
  kOpen,    // read; the session goes on
  kClosed,  // the server sent a Close frame or closed the connection (messages before it given)
  kFailed,  // the read failed; nothing given
};

// One read from `client` into `parser`; every complete message with a payload, binary (and
// text when `accept_text`), goes to `on_message(channel, data)` (data without the channel
// byte). Messages after a Close frame are dropped.
ChannelRead ReadChannelMessages(http::HttpClient& client, ws::FrameParser& parser, bool accept_text,
                                const std::function<void(uint8_t, std::string_view)>& on_message);

}  // namespace sampan::kubectl
