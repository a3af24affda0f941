package controllers

import "k8s.io/client-go/tools/cache"

func keyFunc(obj interface{}) (string, error) {
	return cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
}
