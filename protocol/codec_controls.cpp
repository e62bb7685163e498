#include "protocol/codec_controls.hpp"

namespace fanout::protocol::detail {
namespace {

std::uint64_t read_bounded(const msgpack::object& o, std::string_view field, std::uint64_t most,
                           std::string_view bound) {
    const std::string rule =
        std::string(field) + ": must be an integer from 1 to " + std::string(bound) + ", got ";
    if (o.type == msgpack::type::NEGATIVE_INTEGER)
        fail(error_code::bad_request, rule + std::to_string(o.via.i64));
    if (o.type != msgpack::type::POSITIVE_INTEGER)
        fail(error_code::bad_request, rule + std::string(type_name(o)));
    const std::uint64_t value = o.via.u64;
    if (value < 1 || value > most) fail(error_code::bad_request, rule + std::to_string(value));
    return value;
}

}  // namespace

void read_execution_controls(const map_reader& m, execution_controls& out,
                             const request_limits& limits) {
    const std::string routers_bound =
        "max_routers_per_job (" + std::to_string(limits.max_routers_per_job) + ")";
    if (const auto* v = m.find_non_nil("max_parallel"))
        out.max_parallel =
            read_bounded(*v, "max_parallel", limits.max_routers_per_job, routers_bound);
    if (const auto* v = m.find_non_nil("stop_after_failures"))
        out.stop_after_failures =
            read_bounded(*v, "stop_after_failures", limits.max_routers_per_job, routers_bound);
    if (const auto* v = m.find_non_nil("max_fail_percent"))
        out.max_fail_percent = read_bounded(*v, "max_fail_percent", 100, "100");
    if (const auto* v = m.find_non_nil("canary"))
        out.canary = read_bounded(*v, "canary", limits.max_routers_per_job, routers_bound);
}

std::uint32_t count_execution_controls(const execution_controls& c) {
    return (c.max_parallel ? 1 : 0) + (c.stop_after_failures ? 1 : 0) +
           (c.max_fail_percent ? 1 : 0) + (c.canary ? 1 : 0);
}

void pack_execution_controls(packer& p, const execution_controls& c) {
    const std::pair<std::string_view, const std::optional<std::uint64_t>*> fields[] = {
        {"max_parallel", &c.max_parallel},
        {"stop_after_failures", &c.stop_after_failures},
        {"max_fail_percent", &c.max_fail_percent},
        {"canary", &c.canary}};
    for (const auto& [key, value] : fields) {
        if (!*value) continue;
        pack_key(p, key);
        p.pack_uint64(**value);
    }
}

}  // namespace fanout::protocol::detail
