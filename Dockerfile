# syntax=docker/dockerfile:1
# The flowexpr command line in a small image: a static (musl) binary on an empty base.
#
#   docker build -t flowexpr .
#   docker run --rm -v "$PWD:/work" -w /work flowexpr check workflow.json
#   docker run --rm -v "$PWD:/work" -w /work flowexpr test
#
# Not built in this repository's CI (its machines have no container engine); the image
# size in the README is an estimate, see there.

FROM rust:1.95-slim-bookworm AS build
# ring (TLS and signatures) compiles C: the musl C compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add x86_64-unknown-linux-musl
WORKDIR /src
# The manifest and the lock file first, so the dependency layer is cached: `cargo fetch
# --locked` takes exactly the versions of Cargo.lock.
COPY Cargo.toml Cargo.lock ./
# Cargo reads every target the manifest declares, so the bench files come along (they are
# small and are not built).
COPY benches/*.rs benches/
RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
 && cargo fetch --locked --target x86_64-unknown-linux-musl
COPY src src
COPY grammar grammar
COPY schemas schemas
# The demo server of `flowexpr run --demo-server` embeds the reconciliation example's data.
COPY examples examples
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked --offline --target x86_64-unknown-linux-musl --bin flowexpr \
 && cp target/x86_64-unknown-linux-musl/release/flowexpr /flowexpr

FROM scratch
# TLS roots are compiled in (webpki-roots) and time-zone data too (chrono-tz): the binary
# needs no files from the image.
COPY --from=build /flowexpr /usr/local/bin/flowexpr
COPY LICENSE-MIT LICENSE-APACHE /usr/share/doc/flowexpr/
# No shell and no users in the image: run as nobody.
USER 65534:65534
ENTRYPOINT ["/usr/local/bin/flowexpr"]
CMD ["--help"]
