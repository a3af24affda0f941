// Package crds carries the CustomResourceDefinitions the control plane installs itself.
package crds

import "embed"

// MCS holds the multi-cluster services API CRDs (ServiceExport, ServiceImport).
//
//go:embed mcs/*.yaml
var MCS embed.FS
