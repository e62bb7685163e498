#include "daemon/api/zero_copy_frame.hpp"

namespace fanout::daemon {
namespace {

// What a frame keeps alive until ZeroMQ releases it.
struct frame_owner {
    std::shared_ptr<const std::string> bytes;
    std::shared_ptr<send_budget> budget;
    std::string peer;
};

void release_frame(void*, void* hint) {
    std::unique_ptr<frame_owner> owner(static_cast<frame_owner*>(hint));
    if (owner->budget) owner->budget->release(owner->peer, owner->bytes->size());
}

}  // namespace

zmq::message_t zero_copy_frame(const std::shared_ptr<const std::string>& bytes,
                               const std::shared_ptr<send_budget>& budget,
                               const std::string& peer) {
    auto owner = std::make_unique<frame_owner>(frame_owner{bytes, budget, peer});
    zmq::message_t frame(const_cast<char*>(bytes->data()), bytes->size(), &release_frame,
                         owner.get());
    owner.release();  // the frame owns it now, sent or not
    return frame;
}

zmq::send_result_t send_zero_copy(zmq::socket_t& socket,
                                  const std::shared_ptr<const std::string>& bytes,
                                  zmq::send_flags flags, const std::shared_ptr<send_budget>& budget,
                                  const std::string& peer) {
    auto frame = zero_copy_frame(bytes, budget, peer);
    return socket.send(frame, flags);
}

}  // namespace fanout::daemon
