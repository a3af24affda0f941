package server

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/klog/v2"
)

// embeddedEtcd is the etcd that runs inside the process when no --etcd-servers are given.
// It listens on loopback only: nothing outside this process needs to reach it, and
// keeping it off the network means it needs no TLS of its own.
type embeddedEtcd struct {
	etcd      *embed.Etcd
	clientURL string
}

// startEmbeddedEtcd starts etcd with its data under dir and waits until it serves.
func startEmbeddedEtcd(ctx context.Context, dir string, unsafeNoFsync bool) (*embeddedEtcd, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("creating etcd data dir: %w", err)
	}
	var lastErr error
	// Ports are picked free and then bound by etcd; another process can take one in
	// between, so retry a few times with fresh ports.
	for attempt := 0; attempt < 5; attempt++ {
		clientPort, err := freePort()
		if err != nil {
			return nil, err
		}
		peerPort, err := stablePeerPort(dir, attempt > 0)
		if err != nil {
			return nil, err
		}
		cfg := embed.NewConfig()
		cfg.Name = "karmada-apiserver"
		cfg.Dir = dir
		cfg.LogLevel = "error"
		cfg.UnsafeNoFsync = unsafeNoFsync
		cfg.QuotaBackendBytes = 8 * 1024 * 1024 * 1024
		cfg.AutoCompactionMode = "periodic"
		cfg.AutoCompactionRetention = "5m"
		// One member, no followers to catch up: keep few applied raft entries in memory
		// (the default 5,000 holds megabytes of recent writes).
		cfg.SnapshotCatchUpEntries = 500
		curl := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
		purl := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}
		cfg.ListenClientUrls = []url.URL{curl}
		cfg.AdvertiseClientUrls = []url.URL{curl}
		cfg.ListenPeerUrls = []url.URL{purl}
		cfg.AdvertisePeerUrls = []url.URL{purl}
		cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			lastErr = err
			continue
		}
		select {
		case <-e.Server.ReadyNotify():
			klog.InfoS("Embedded etcd is ready", "dataDir", dir, "client", curl.String())
			return &embeddedEtcd{etcd: e, clientURL: curl.String()}, nil
		case err := <-e.Err():
			e.Close()
			lastErr = err
		case <-time.After(60 * time.Second):
			e.Close()
			return nil, fmt.Errorf("embedded etcd did not become ready within 60s")
		case <-ctx.Done():
			e.Close()
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("starting embedded etcd in %s: %w", filepath.Clean(dir), lastErr)
}

func (e *embeddedEtcd) Close() {
	if e != nil && e.etcd != nil {
		e.etcd.Close()
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// stablePeerPort returns the peer port recorded in dir, or records a new free one.
// etcd stores its peer URL in the member list, so a restarted single-member etcd
// should advertise the same one.
func stablePeerPort(dir string, fresh bool) (int, error) {
	file := filepath.Clean(dir) + ".peer-port"
	if !fresh {
		if b, err := os.ReadFile(file); err == nil {
			var p int
			if _, err := fmt.Sscanf(string(b), "%d", &p); err == nil && p > 0 {
				if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
					l.Close()
					return p, nil
				}
			}
		}
	}
	p, err := freePort()
	if err != nil {
		return 0, err
	}
	return p, os.WriteFile(file, []byte(fmt.Sprintf("%d\n", p)), 0o600)
}
