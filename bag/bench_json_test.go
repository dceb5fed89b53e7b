package bag_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	segjson "github.com/segmentio/encoding/json"
)

// tutorialRecord is the shape of the records of Dask's bag tutorial
// (mimesis people): what ReadJSON decodes most often.
type tutorialRecord struct {
	Age        int      `json:"age"`
	Name       []string `json:"name"`
	Occupation string   `json:"occupation"`
	Telephone  string   `json:"telephone"`
	Address    struct {
		Address string `json:"address"`
		City    string `json:"city"`
	} `json:"address"`
	CreditCard struct {
		Number     string `json:"number"`
		Expiration string `json:"expiration-date"`
	} `json:"credit-card"`
}

var jsonLines = sync.OnceValue(func() []string {
	lines := make([]string, 10_000)
	for i := range lines {
		lines[i] = fmt.Sprintf(`{"age": %d, "name": ["Name%d", "Surname%d"], "occupation": "Occupation %d", `+
			`"telephone": "+1-555-%04d", "address": {"address": "%d Main Street", "city": "City %d"}, `+
			`"credit-card": {"number": "4000 0000 0000 %04d", "expiration-date": "0%d/2%d"}}`,
			20+i%60, i, i, i%100, i%10000, i, i%50, i%10000, 1+i%9, i%10)
	}
	return lines
})

// BenchmarkJSONDecode decodes the tutorial's records one line at a time,
// as ReadJSON does, with encoding/json and segmentio/encoding (what
// ReadJSON uses). goccy/go-json was measured outside the module (see the
// README: it accepts a raw control character in a string). The v2 line
// (encoding/json/v2) is in bench_jsonv2_test.go, built with
// GOEXPERIMENT=jsonv2:
//
//	go test ./bag -run '^$' -bench JSONDecode -count 5
//	GOEXPERIMENT=jsonv2 go test ./bag -run '^$' -bench JSONDecode -count 5
func BenchmarkJSONDecode(b *testing.B) {
	lines := jsonLines()
	bytes := 0
	for _, l := range lines {
		bytes += len(l)
	}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(bytes))
		for range b.N {
			for _, l := range lines {
				var r tutorialRecord
				if err := json.Unmarshal([]byte(l), &r); err != nil || r.Age == 0 {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/record")
	})
	b.Run("segmentio-encoding", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(bytes))
		for range b.N {
			for _, l := range lines {
				var r tutorialRecord
				if err := segjson.Unmarshal([]byte(l), &r); err != nil || r.Age == 0 {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(lines)), "ns/record")
	})
	benchJSONv2(b, lines, bytes)
}
