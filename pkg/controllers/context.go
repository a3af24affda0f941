// Package controllers holds the control plane's own controllers, one folder each,
// and what they share.
package controllers

import (
	"context"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"

	karmadaclient "github.com/karmada-one/karmada-one/pkg/generated/clientset/versioned"
	karmadainformers "github.com/karmada-one/karmada-one/pkg/generated/informers/externalversions"
	"github.com/karmada-one/karmada-one/pkg/membercluster"
)

// Options are the controllers' tunables (flags of karmada-apiserver).
type Options struct {
	// ClusterStatusUpdateFrequency is how often each member's health and status are collected.
	ClusterStatusUpdateFrequency time.Duration
	// ClusterSuccessThreshold is how long a member must stay healthy before Ready flips to True.
	ClusterSuccessThreshold time.Duration
	// ClusterFailureThreshold is how long a member must stay unhealthy before Ready flips to False.
	ClusterFailureThreshold time.Duration
}

// Context is what every controller is started with.
type Context struct {
	Options Options
	// ControlPlaneConfig talks to this control plane (loopback, full rights).
	ControlPlaneConfig *rest.Config
	ControlPlaneClient kubernetes.Interface
	KarmadaClient      karmadaclient.Interface
	KubeInformers      informers.SharedInformerFactory
	KarmadaInformers   karmadainformers.SharedInformerFactory
	Members            *membercluster.Registry
	EventRecorder      func(component string) record.EventRecorder
}

// Starter starts a controller; it returns at once and runs until ctx ends.
type Starter func(ctx context.Context, c *Context) error
