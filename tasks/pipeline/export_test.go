package pipeline

import "slices"

// Unregister removes a pipeline that a test registered, so that the
// examples see the built-in ones only.
func Unregister(name string) {
	registry.Lock()
	defer registry.Unlock()
	registry.ps = slices.DeleteFunc(registry.ps, func(p Pipeline) bool { return p.Name == name })
}
