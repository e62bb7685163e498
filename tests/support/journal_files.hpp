// Helpers for journal tests: segment files, the records in them, what a journal replays, a
// scheduler's side of a job (its spec, a router that succeeds; the sink: scheduler_fixture.hpp),
// and a daemon's life over a journal (a scheduler restored from it; what a restart recovers).
//
// Contract: header-only, test code only; everything throws or fails the test on a surprise.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/admission/inventory.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/journal/journal_log.hpp"
#include "daemon/journal/recovery.hpp"
#include "daemon/scheduling/result_sink.hpp"
#include "daemon/scheduling/scheduler.hpp"
#include "protocol/messages.hpp"
#include "tests/support/scheduler_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace fanout::testing {

// The segment files (`*.log`) in `dir`, oldest first.
inline std::vector<std::filesystem::path> journal_segments(const std::string& dir) {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().extension() == ".log") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

// Files in `dir` whose name contains `part`.
inline std::vector<std::filesystem::path> files_named(const std::string& dir,
                                                      const std::string& part) {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.path().filename().string().find(part) != std::string::npos) out.push_back(e.path());
    return out;
}

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

inline std::string read_bytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Each framed record of a segment ([u32 length][u32 CRC][u8 type][body]): where, which type.
struct framed_record {
    std::size_t offset = 0;
    char type = 0;
    std::size_t body_bytes = 0;
};

inline std::vector<framed_record> framed_records(const std::string& bytes) {
    std::vector<framed_record> out;
    std::size_t at = 0;
    while (at + 9 <= bytes.size()) {
        std::uint32_t length = 0;
        for (int i = 0; i < 4; ++i)
            length |= std::uint32_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
        if (at + 9 + length > bytes.size()) break;
        out.push_back({at, bytes[at + 8], length});
        at += 9 + length;
    }
    return out;
}

// Flips one bit of the body of the `nth` record of `type` (0 = the first) in a segment file.
inline void flip_body_bit(const std::filesystem::path& path, char type, std::size_t nth = 0) {
    auto bytes = read_bytes(path);
    for (const auto& r : framed_records(bytes)) {
        if (r.type != type || r.body_bytes == 0) continue;
        if (nth-- > 0) continue;
        bytes[r.offset + 9 + r.body_bytes / 2] ^= 0x10;
        write_bytes(path, bytes);
        return;
    }
    throw std::runtime_error("no such record in " + path.string());
}

// A snapshot marker then three change records ("m", "A:first", 1000 x "B", "C:third"), synced.
inline void write_sample(const temp_dir& dir) {
    daemon::journal j(dir.path());
    j.begin_snapshot();
    j.sync(j.end_snapshot("m"));
    j.append('A', "first");
    j.append('B', std::string(1000, 'x'));
    j.sync(j.append('C', "third"));
}

// The records `dir`'s journal replays, as "type:first bytes of the body"; a lost stretch is "?".
inline std::vector<std::string> replayed(const temp_dir& dir) {
    daemon::journal j(dir.path());
    std::vector<std::string> out;
    for (auto& r : j.take_replayed())
        out.push_back(r.type == '\0' ? "?" : std::string(1, r.type) + ":" + r.body.substr(0, 5));
    return out;
}

// A `show version` job with id `id` on routers r1..r`count` of `inv`.
inline daemon::job_spec spec_of(const std::shared_ptr<const daemon::inventory>& inv, std::string id,
                                int count) {
    return spec_for(inv, std::move(id), 1, count);
}

// A success with output "ok <router>".
inline protocol::router_result ok_from(const daemon::router_task& t) {
    protocol::router_result r;
    r.status = protocol::router_status::success;
    r.output = "ok " + t.target().name;
    return r;
}

// Records ok_from(t) for the task's one command and finishes the task.
inline void succeed(daemon::scheduler& s, const daemon::router_task& t) {
    s.record(t, 0, ok_from(t));
    s.task_finished(t);
}

// Whether the scheduler accepted a submit.
inline bool accepted(const std::variant<protocol::accepted_reply, protocol::error_reply>& reply) {
    return std::holds_alternative<protocol::accepted_reply>(reply);
}

// A daemon's start over the journal in `dir`: the scheduler (`limits`; `sink` gets what it
// publishes) restored from what the journal replays, without --rerun-interrupted. `args` go to
// the journal's constructor after the directory.
struct restarted {
    daemon::journal file;
    daemon::journal_log log;
    daemon::scheduler s;
    template <typename... journal_args>
    restarted(const temp_dir& dir, recording_sink& sink,
              const std::shared_ptr<const daemon::inventory>& inv,
              daemon::scheduler_limits limits = {}, journal_args... args)
        : file(dir.path(), args...), log(file), s(limits, sink, &log) {
        s.restore(daemon::recover(file.take_replayed(), false), inv);
    }
};

// What a restart over `dir`'s journal recovers (the journal is closed again on return).
inline daemon::recovered_state recovered(const temp_dir& dir, bool rerun_interrupted = false) {
    daemon::journal file(dir.path());
    return daemon::recover(file.take_replayed(), rerun_interrupted);
}

}  // namespace fanout::testing
