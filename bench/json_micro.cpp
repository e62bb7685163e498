// Micro-benchmark of JSON → msgpack (issue 11): fleetsim's own `show interfaces terse |
// display json` of a router with --interfaces N (default 200: 288.7 KiB), converted by
// json_to_msgpack (simdjson fast path) and json_to_msgpack_reference (nlohmann-json SAX),
// interleaved in rounds so a loaded machine slows both alike; prints the median and minimum
// per document of each and checks the bytes are equal. Build and run (after scripts/build.sh):
//   g++ -O2 -std=c++20 -I. bench/json_micro.cpp
//   tools/fleetsim/junos_{documents,text,facts,element}.cpp
//     build/daemon/structured/libfanout_structured.a -lsimdjson -lpugixml -o build/json_micro
//   build/json_micro [interfaces] [rounds] [iterations per round]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/structured/json_data.hpp"
#include "tools/fleetsim/junos_documents.hpp"

using namespace fanout;

int main(int argc, char** argv) {
    fleetsim::router_identity router{"r1", 1, argc > 1 ? std::atoi(argv[1]) : 200};
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
    const int iterations = argc > 3 ? std::atoi(argv[3]) : 20;
    const std::string doc =
        fleetsim::cli_display_json(*fleetsim::command_document("show interfaces terse", router));
    daemon::json_limits limits;
    limits.max_input_bytes = doc.size();
    if (daemon::json_to_msgpack(doc, limits) != daemon::json_to_msgpack_reference(doc, limits)) {
        std::puts("MISMATCH");
        return 1;
    }
    std::vector<double> fast, reference;
    auto time = [&](auto convert) {
        const auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < iterations; ++i) {
            auto out = convert(doc, limits);
            if (out.index() != 0) std::abort();
        }
        const std::chrono::duration<double, std::micro> spent =
            std::chrono::steady_clock::now() - start;
        return spent.count() / iterations;
    };
    for (int r = 0; r < rounds; ++r) {
        fast.push_back(time(daemon::json_to_msgpack));
        reference.push_back(time(daemon::json_to_msgpack_reference));
    }
    auto report = [&](const char* name, std::vector<double>& v) {
        std::sort(v.begin(), v.end());
        std::printf("%-10s median %8.1f us  min %8.1f us  (%.0f MB/s at the median)\n", name,
                    v[v.size() / 2], v[0], doc.size() / v[v.size() / 2]);
    };
    std::printf("document: %zu bytes, %d rounds x %d iterations, interleaved\n", doc.size(), rounds,
                iterations);
    report("simdjson", fast);
    report("nlohmann", reference);
    return 0;
}
