// Test helpers: a self-signed certificate made with the OpenSSL C API, and a tiny HTTPS
// server on 127.0.0.1 that answers every request with 200 and the request target.
// Header-only, for the tests of this folder.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

namespace squall::http::testing {

struct SelfSigned {
  std::string cert_pem;
  std::string key_pem;
};

// An EC P-256 key and a self-signed certificate for `common_name` with the given
// subjectAltName ("IP:127.0.0.1,DNS:localhost"), valid for a day.
inline SelfSigned MakeSelfSigned(const std::string& common_name, const std::string& san) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(getpid()) + 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, san.c_str()},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (ext == nullptr) throw std::runtime_error("X509V3_EXT_conf_nid failed");
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("sign");

  SelfSigned out;
  auto to_pem = [](auto write) {
    BIO* bio = BIO_new(BIO_s_mem());
    write(bio);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<size_t>(size));
    BIO_free(bio);
    return pem;
  };
  out.cert_pem = to_pem([&](BIO* bio) { PEM_write_bio_X509(bio, cert.get()); });
  out.key_pem = to_pem([&](BIO* bio) {
    PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

// A file removed on destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    char name[] = "/tmp/squall_http_test_XXXXXX";
    int fd = mkstemp(name);
    if (fd < 0) throw std::runtime_error("mkstemp");
    path_ = name;
    if (write(fd, contents.data(), contents.size()) != static_cast<ssize_t>(contents.size())) {
      close(fd);
      throw std::runtime_error("write");
    }
    close(fd);
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Answers each request on 127.0.0.1:<port()> with 200 "secure <target>", one connection at a
// time, on its own thread, until destroyed.
class TlsServer {
 public:
  explicit TlsServer(const SelfSigned& identity)
      : ssl_(boost::asio::ssl::context::tls_server), acceptor_(ioc_) {
    ssl_.use_certificate_chain(boost::asio::buffer(identity.cert_pem));
    ssl_.use_private_key(boost::asio::buffer(identity.key_pem), boost::asio::ssl::context::pem);
    using tcp = boost::asio::ip::tcp;
    tcp::endpoint endpoint(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(endpoint.protocol());
    acceptor_.bind(endpoint);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Serve(); });
  }

  ~TlsServer() {
    stop_ = true;
    boost::system::error_code ec;
    // Wake the blocking accept with a throwaway connection.
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::socket poke(ioc);
    poke.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }

  uint16_t port() const { return port_; }
  int handshakes_ok() const { return handshakes_ok_.load(); }

 private:
  void Serve() {
    namespace bhttp = boost::beast::http;
    while (!stop_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) continue;
      timeval tv{.tv_sec = 5, .tv_usec = 0};
      setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      boost::beast::ssl_stream<boost::asio::ip::tcp::socket> stream(std::move(socket), ssl_);
      stream.handshake(boost::asio::ssl::stream_base::server, ec);
      if (ec) continue;
      ++handshakes_ok_;
      boost::beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> request;
      bhttp::read(stream, buffer, request, ec);
      if (ec) continue;
      bhttp::response<bhttp::string_body> response(bhttp::status::ok, 11);
      response.set(bhttp::field::content_type, "text/plain");
      response.body() = "secure " + std::string(request.target());
      response.prepare_payload();
      response.keep_alive(false);
      bhttp::write(stream, response, ec);
      stream.shutdown(ec);
    }
  }

  boost::asio::io_context ioc_;
  boost::asio::ssl::context ssl_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> handshakes_ok_{0};
  std::thread thread_;
};

}  // namespace squall::http::testing
