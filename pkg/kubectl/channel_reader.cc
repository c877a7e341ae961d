#include "pkg/kubectl/channel_reader.h"

#include <optional>
#include <string>

namespace sampan::kubectl {

ChannelRead ReadChannelMessages(http::HttpClient& client, ws::FrameParser& parser, bool accept_text,
                                const std::function<void(uint8_t, std::string_view)>& on_message) {
  std::string bytes;
  bool eof = false;
  if (!client.ReadUpgraded(&bytes, &eof).ok()) return ChannelRead::kFailed;
  parser.Feed(bytes);
  for (;;) {
    Result<std::optional<ws::Message>> m = parser.Next();
    if (!m.ok() || !m->has_value()) break;
    ws::Message& msg = **m;
    if (msg.opcode == ws::Opcode::kClose) return ChannelRead::kClosed;
    bool wanted =
        msg.opcode == ws::Opcode::kBinary || (accept_text && msg.opcode == ws::Opcode::kText);
    if (msg.payload.empty() || !wanted) continue;
    on_message(static_cast<uint8_t>(msg.payload[0]), std::string_view(msg.payload).substr(1));
  }
  return eof ? ChannelRead::kClosed : ChannelRead::kOpen;
}

}  // namespace sampan::kubectl
