# fanout on Debian 12, installed the way the README installs it: scripts/install-deps.sh, then
# scripts/build-deb.sh, then `apt-get install ./fanout_*.deb`. The runtime image also carries
# fleetsim (the fake router fleet, not in the package; it needs libpugixml1v5) and the sample
# subscriber's Python deps.
# Not built here: the machine this was written on has no container engine.
FROM debian:12 AS build
WORKDIR /src/fanout
COPY . .
RUN bash scripts/install-deps.sh && bash scripts/build-deb.sh \
 && cmake --build build-pkg --target fleetsim

FROM debian:12
COPY --from=build /src/fanout/build-pkg/fanout_*.deb /tmp/
COPY --from=build /src/fanout/build-pkg/tools/fleetsim/fleetsim /usr/local/bin/fleetsim
# debian:12 images skip /usr/share/doc, where the package puts the examples.
COPY examples/subscriber.py /usr/local/bin/fanout-subscriber
RUN apt-get update \
 && apt-get install -y --no-install-recommends /tmp/fanout_*.deb python3-zmq python3-msgpack \
    libpugixml1v5 \
 && rm -rf /var/lib/apt/lists/* /tmp/fanout_*.deb \
 && install -d -o fanout -g fanout /fleet /state
# A named volume mounted on /fleet or /state starts with this owner, so fleetsim and the
# pool's daemons (their journals) can write there.
USER fanout
EXPOSE 5555 5556 9464
# /healthz of --metrics-listen, with bash's /dev/tcp (no curl in the image): a container run
# without metrics-listen reports unhealthy, so set it (docker-compose.yml does, per daemon).
ENV FANOUT_METRICS_LISTEN=127.0.0.1:9464
HEALTHCHECK --interval=15s --timeout=10s --start-period=30s --retries=3 \
  CMD ["/bin/sh", "-c", "/usr/lib/fanout/fanout-healthcheck \"$FANOUT_METRICS_LISTEN\""]
CMD ["fanoutd", "--config", "/etc/fanout/fanoutd.conf", "--metrics-listen", "127.0.0.1:9464"]
