// `fanoutctl keygen`: a new CURVE key pair, for fanoutd (--curve-secret-key) or a client
// (--curve-client-key).
#include <cstdio>

#include "curve/curve_keys.hpp"
#include "tools/fanoutctl/command_support.hpp"
#include "tools/fanoutctl/commands.hpp"
#include "tools/fanoutctl/exit_codes.hpp"

namespace fanout::ctl {

int keygen_command(const keygen_options& options) {
    try {
        auto keys = curve::generate_key_pair();
        curve::write_key_pair(options.out_file, keys);
        std::printf("wrote %s (key pair, mode 0600) and %s.pub (public key)\npublic key: %s\n",
                    options.out_file.c_str(), options.out_file.c_str(), keys.public_key.c_str());
        return exit_ok;
    } catch (const std::exception& e) {
        return report_usage_error(e.what());
    }
}

}  // namespace fanout::ctl
