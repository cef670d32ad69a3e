// Channel-binding data (RFC 5929, RFC 9266) from an established OpenSSL
// connection.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <string>

#include "targets/tls/tls.h"

namespace xmppfuzz::tls {
namespace {

constexpr char kExporterLabel[] = "EXPORTER-Channel-Binding";  // RFC 9266 2
constexpr size_t kExporterBytes = 32;

}  // namespace

std::string_view ChannelBindingName(ChannelBindingType t) {
  switch (t) {
    case ChannelBindingType::kTlsUnique: return "tls-unique";
    case ChannelBindingType::kTlsServerEndPoint: return "tls-server-end-point";
    case ChannelBindingType::kTlsExporter: return "tls-exporter";
  }
  return "unknown";
}

Failure TlsServerEndPoint(X509* cert, std::string* data) {
  data->clear();
  if (cert == nullptr) return Failure{Error::kCbNoServerCertificate, 0};
  int md_nid = NID_undef;
  if (X509_get_signature_info(cert, &md_nid, nullptr, nullptr, nullptr) != 1 || md_nid == NID_undef) {
    return Failure{Error::kCbNoSignatureHash, 0};  // RFC 5929 4.1: undefined
  }
  // RFC 5929 4.1: "if the certificate's signatureAlgorithm uses a single hash
  // function and that hash function is either MD5 or SHA-1, then use SHA-256".
  const EVP_MD* md = md_nid == NID_md5 || md_nid == NID_sha1 ? EVP_sha256() : EVP_get_digestbynid(md_nid);
  if (md == nullptr) return Failure{Error::kCbNoSignatureHash, 0};
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (X509_digest(cert, md, buf, &n) != 1) return Failure{Error::kCbNoSignatureHash, 0};
  data->assign(reinterpret_cast<const char*>(buf), n);
  return Failure{};
}

Failure ChannelBinding(SSL* ssl, ChannelBindingType type, std::string* data) {
  data->clear();
  if (ssl == nullptr || !SSL_is_init_finished(ssl)) return Failure{Error::kNotEstablished, 0};
  const int version = SSL_version(ssl);
  switch (type) {
    case ChannelBindingType::kTlsUnique: {
      // RFC 9266 3 / RFC 8446 C.5: tls-unique is not defined for TLS 1.3.
      if (version >= TLS1_3_VERSION) return Failure{Error::kCbTlsUniqueTls13, 0};
      // RFC 5929 3.1: the first Finished of the latest handshake: the
      // client's in a full handshake, the server's in an abbreviated one.
      const bool client_sent_first = SSL_session_reused(ssl) == 0;
      const bool we_are_client = SSL_is_server(ssl) == 0;
      char buf[EVP_MAX_MD_SIZE];
      const size_t n = client_sent_first == we_are_client ? SSL_get_finished(ssl, buf, sizeof buf)
                                                          : SSL_get_peer_finished(ssl, buf, sizeof buf);
      if (n == 0 || n > sizeof buf) return Failure{Error::kNotEstablished, 0};
      data->assign(buf, n);
      return Failure{};
    }
    case ChannelBindingType::kTlsServerEndPoint:
      return TlsServerEndPoint(SSL_is_server(ssl) ? SSL_get_certificate(ssl) : SSL_get0_peer_certificate(ssl), data);
    case ChannelBindingType::kTlsExporter: {
      // RFC 9266 3: below TLS 1.3 only with extended_master_secret (RFC 7627).
      if (version < TLS1_3_VERSION && SSL_get_extms_support(ssl) != 1) {
        return Failure{Error::kCbExporterWithoutEms, 0};
      }
      unsigned char buf[kExporterBytes];
      if (SSL_export_keying_material(ssl, buf, sizeof buf, kExporterLabel, sizeof kExporterLabel - 1, nullptr, 0,
                                     /*use_context=*/0) != 1) {
        return Failure{Error::kNotEstablished, 0};
      }
      data->assign(reinterpret_cast<const char*>(buf), sizeof buf);
      return Failure{};
    }
  }
  return Failure{Error::kNotEstablished, 0};
}

}  // namespace xmppfuzz::tls
