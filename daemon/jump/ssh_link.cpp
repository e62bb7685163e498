#include "daemon/jump/ssh_link.hpp"

#include <utility>

namespace fanout::daemon::jump {
namespace {

class ssh_link final : public link {
  public:
    explicit ssh_link(std::unique_ptr<ssh_tunnel> tunnel) : tunnel_(std::move(tunnel)) {}
    bool try_reserve(std::size_t max_channels) override {
        return tunnel_->try_reserve(max_channels);
    }
    void release() override { tunnel_->release(); }
    forward_result forward(const std::string& host, std::uint16_t port,
                           std::chrono::milliseconds timeout,
                           const std::atomic<bool>& cancelled) override {
        return tunnel_->forward(host, port, timeout, cancelled);
    }
    bool alive() const override { return tunnel_->alive(); }
    std::size_t channels() const override { return tunnel_->channels(); }
    std::chrono::steady_clock::time_point idle_since() const override {
        return tunnel_->idle_since();
    }

  private:
    std::unique_ptr<ssh_tunnel> tunnel_;
};

}  // namespace

hub::link_opener ssh_link_opener(transport_options options,
                                 std::chrono::milliseconds keepalive_interval) {
    return [options = std::move(options), keepalive_interval](
               const device& bastion, int fd, const std::atomic<bool>& cancelled,
               std::function<void()> on_slot_free,
               const time_budget& budget) -> std::variant<std::unique_ptr<link>, connect_failure> {
        connect_failure failure;
        auto opened = fd < 0 ? open_with_retries(bastion, options, cancelled, budget)
                             : ssh_connection::open(bastion, within(options, budget), cancelled,
                                                    &failure.stage, fd);
        if (auto* error = std::get_if<protocol::router_error>(&opened)) {
            failure.error = std::move(*error);
            // One attempt over a stream: its timeout is worded here when the budget caused it
            // (open_with_retries does it for direct opens).
            if (fd >= 0 && failure.error.kind == protocol::error_kind::timeout &&
                budget.expired(std::chrono::steady_clock::now()))
                failure.error.message =
                    budget.exhausted_message(phase_of(failure.stage), failure.error.message);
            return failure;
        }
        auto tunnel =
            ssh_tunnel::start(std::move(std::get<ssh_connection>(opened)),
                              tunnel_settings{bastion.name, keepalive_interval,
                                              std::move(on_slot_free), options.connect_timeout});
        return std::unique_ptr<link>(std::make_unique<ssh_link>(std::move(tunnel)));
    };
}

}  // namespace fanout::daemon::jump
