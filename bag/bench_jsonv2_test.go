//go:build goexperiment.jsonv2

package bag_test

import (
	jsonv2 "encoding/json/v2"
	"testing"
)

func benchJSONv2(b *testing.B, lines []string, bytes int) {
	b.Run("encoding-json-v2", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(bytes))
		for range b.N {
			for _, l := range lines {
				var r tutorialRecord
				if err := jsonv2.Unmarshal([]byte(l), &r); err != nil || r.Age == 0 {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/record")
	})
}
