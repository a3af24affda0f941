// Package apiserver tests the control plane as a user and a client see it: the real
// server (embedded or external etcd), client-go, the generated clientset and kubectl.
package apiserver

import (
	"os"
	"testing"

	"k8s.io/klog/v2"
)

func TestMain(m *testing.M) {
	klog.LogToStderr(false)
	klog.SetOutput(discard{})
	os.Exit(m.Run())
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
