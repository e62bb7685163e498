# fanout on Debian 12, built with the same scripts the README uses.
FROM debian:12
WORKDIR /src/fanout
COPY . .
RUN bash scripts/install-deps.sh && bash scripts/build.sh \
 && cp build/daemon/fanoutd build/tools/fanoutctl/fanoutctl build/tools/fleetsim/fleetsim /usr/local/bin/
CMD ["fanoutd", "--help"]
