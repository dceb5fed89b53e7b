//go:build !goexperiment.jsonv2

package bag_test

import "testing"

func benchJSONv2(*testing.B, []string, int) {} // needs GOEXPERIMENT=jsonv2
