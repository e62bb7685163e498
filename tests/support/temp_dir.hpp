// A fresh temporary directory for a test, removed with its contents on destruction.
//
// Contract: the directory is created by mkdtemp(3) under $TMPDIR (or /tmp) at construction;
// construction throws std::runtime_error when it cannot be created. Not copyable.
#pragma once

#include <string>
#include <string_view>

namespace fanout::testing {

class temp_dir {
  public:
    temp_dir();
    ~temp_dir();
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

  private:
    std::string path_;
};

}  // namespace fanout::testing
