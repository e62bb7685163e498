// Refusing an ipc:// endpoint that another process is serving, before binding it.
//
// Contract: ZeroMQ binds an ipc:// path by unlinking whatever is there first, so a second
// daemon on the same path would silently take the socket file over and orphan the first, which
// keeps running unreachable. refuse_live_ipc() connects to the path first: when something
// accepts, it throws std::runtime_error naming the endpoint ("... is in use by another
// process ..."), as a tcp:// bind fails with "Address already in use"; also when the path is
// not a socket (ZeroMQ would unlink a file a typo named) or the connect fails otherwise
// (permission denied: no way to tell). A stale socket file (connection refused), a missing
// path, an abstract (ipc://@name) endpoint, which the kernel already refuses to bind twice,
// ipc://* and any other transport pass. The connect never blocks. Two processes starting in the
// same instant can still race; this guards against the common mistake, not a determined one.
#pragma once

#include <string>

namespace fanout::transports {

void refuse_live_ipc(const std::string& endpoint);

}  // namespace fanout::transports
