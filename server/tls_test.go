package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/redis/go-redis/v9"

	"github.com/dynacache/dynacache/server"
)

// writeCert writes a self-signed certificate for 127.0.0.1 with the given
// serial number to dir and returns its pool.
func writeCert(t *testing.T, dir string, serial int64) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "dynacache test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	os.WriteFile(filepath.Join(dir, "cert.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}

// TestTLS: the SDK over HTTPS and go-redis over TLS reach the same data;
// ReloadTLS serves a new certificate to new connections.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	pool := writeCert(t, dir, 1)
	cfg := server.DefaultConfig()
	cfg.InMemory = true
	cfg.TLSCert, cfg.TLSKey = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	srv, err := server.Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hln, _ := net.Listen("tcp", "127.0.0.1:0")
	rln, _ := net.Listen("tcp", "127.0.0.1:0")
	srv.ServeHTTP(srv.WrapTLS(hln))
	srv.ServeRESP(srv.WrapTLS(rln))

	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: rln.Addr().String(), Protocol: 2, TLSConfig: &tls.Config{RootCAs: pool}})
	defer rdb.Close()
	if err := rdb.Set(ctx, "secure", "yes", 0).Err(); err != nil {
		t.Fatalf("go-redis over TLS: %v", err)
	}
	httpc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	db := ddb.New(ddb.Options{Region: "us-east-1", BaseEndpoint: aws.String("https://" + hln.Addr().String()),
		Credentials: credentials.NewStaticCredentialsProvider("t", "t", ""), HTTPClient: httpc, RetryMaxAttempts: 1})
	tables, err := db.ListTables(ctx, &ddb.ListTablesInput{})
	if err != nil || len(tables.TableNames) != 1 || tables.TableNames[0] != "redis" {
		t.Fatalf("SDK over HTTPS: %v %v", tables, err)
	}
	// A plain-text client is not served.
	if err := redis.NewClient(&redis.Options{Addr: rln.Addr().String(), Protocol: 2, MaxRetries: -1, DialTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second}).Ping(ctx).Err(); err == nil {
		t.Fatal("a plain-text RESP client was served")
	}

	serialOf := func(addr string) int64 {
		c, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if s := serialOf(hln.Addr().String()); s != 1 {
		t.Fatalf("serial %d", s)
	}
	writeCert(t, dir, 2)
	if err := srv.ReloadTLS(); err != nil {
		t.Fatal(err)
	}
	if s, r := serialOf(hln.Addr().String()), serialOf(rln.Addr().String()); s != 2 || r != 2 {
		t.Fatalf("after reload: serials %d (HTTP) and %d (RESP), want 2", s, r)
	}
	os.WriteFile(cfg.TLSCert, []byte("garbage"), 0o600)
	if err := srv.ReloadTLS(); err == nil {
		t.Fatal("a bad certificate was loaded")
	}
	if s := serialOf(hln.Addr().String()); s != 2 {
		t.Fatalf("a failed reload changed the certificate: serial %d", s)
	}
}
