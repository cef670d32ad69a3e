// TLS vectors (kind: tls, kind: starttls; README.md, "TLS vectors"): the
// in-process players.
//
//  - kind: tls feeds the input to tls::Inspector (what `xmppfuzz tls-inspect`
//    runs) at every chunking of the conformance runner. The lines of the
//    whole-input run are the observed events; every other chunking must give
//    the same record lines, the same message and ClientHello lines and the
//    same failure, or the vector is broken.
//  - kind: starttls plays the input as the peer's plaintext into our
//    tls::StarttlsClient or StarttlsServer with the target's stream parser
//    backend. The events are those of the 1-byte run (each element answered
//    on its own): a "send <output>" line per answer, then "start-tls
//    discarded=N", "no-tls" or "peer-refused <condition>". Every other
//    chunking must send the same bytes, end the same way and discard as
//    many bytes.
#ifndef XMPPFUZZ_CONFORMANCE_RUNNER_TLS_VECTORS_H_
#define XMPPFUZZ_CONFORMANCE_RUNNER_TLS_VECTORS_H_

#include "conformance/runner/runner.h"
#include "conformance/runner/vector.h"
#include "targets/xml/xml.h"

namespace xmppfuzz::conform {

// RunTlsVector plays one kind: tls vector. The outcome is kAccepted, or
// kRefusedTls with the tls::Error name and absolute offset.
Observation RunTlsVector(const Vector& v);

// RunStarttlsVector plays one kind: starttls vector with |backend|. The
// outcome is kStartTls, kNoTls, kPending (the input ran out first) or
// kRefusedTls.
Observation RunStarttlsVector(const Vector& v, xml::Backend backend);

}  // namespace xmppfuzz::conform

#endif  // XMPPFUZZ_CONFORMANCE_RUNNER_TLS_VECTORS_H_
