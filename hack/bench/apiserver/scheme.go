package main

import (
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/scheme"
)

func kubernetesScheme() runtime.NegotiatedSerializer { return scheme.Codecs.WithoutConversion() }
