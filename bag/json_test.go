package bag_test

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/seed001e6470/taskgraph/bag"
	"github.com/seed001e6470/taskgraph/graph"
)

// ReadJSON's decoder (segmentio/encoding) must decide like encoding/json:
// every record below is read by ReadJSON from a file of its own and
// compared with encoding/json's Unmarshal — an error where it errs, with
// the file and line in it, the same value where it does not.
func TestReadJSONAgreesWithEncodingJSON(t *testing.T) {
	records := []string{
		`{"age": 1, "name": ["a"]`,       // truncated
		`{"age": 1,}`,                    // trailing comma
		`{"age": "1"}`,                   // type mismatch
		`{"age": 1.5}`,                   // a float into an int
		`{"age": 99999999999999999999}`,  // overflow
		`{"age": 1} {"age": 2}`,          // trailing data
		`{"age": 1} x`,                   // trailing garbage
		`[1, 2]`,                         // an array into a struct
		`{"age": 01}`,                    // a leading zero
		`{"name": ["a", 1]}`,             // a mixed array
		"{\"occupation\": \"\xff\xfe\"}", // invalid UTF-8 (replaced)
		`{"occupation": "\ud800"}`,       // a lone surrogate (replaced)
		`{"AGE": 7}`,                     // keys match case-insensitively
		`{"age": 1, "age": 2}`,           // a duplicate key: the last wins
		`{"age": 5, "extra": {"deep": [1, {"x": 2}]}}`,
		`{"age": -0}`, `{"age": 1e2}`, `null`, `{"address": null}`,
		`{"occupation": "a\u0000b"}`,
		"{\"occupation\": \"tab\tinside\"}", // a raw control character
		`{"age": true}`, `{"telephone": 5}`, `{"age": 1}}`, `{"age": [}`,
		`{"age": nul}`, `{"age": tru}`, `{"occupation": "x\q"}`,
		`{"occupation": "\u12"}`, `{"age"  1}`, `{age: 1}`, `{'age': 1}`,
	}
	dir := t.TempDir()
	for i, rec := range records {
		var want tutorialRecord
		werr := json.Unmarshal([]byte(rec), &want)
		path := filepath.Join(dir, strconv.Itoa(i)+".jsonl")
		writeFile(t, path, "{\"age\": 3}\n"+rec+"\n")
		var g graph.Graph
		got, err := bag.ToSlice(ctx, bag.ReadJSON[tutorialRecord](&g, []string{path}))
		switch {
		case werr != nil && err == nil:
			t.Errorf("%q: read as %+v; encoding/json: %v", rec, got, werr)
		case werr != nil && !strings.Contains(err.Error(), path+": line 2 (byte 11)"):
			t.Errorf("%q: the error does not say where: %v", rec, err)
		case werr != nil:
			var je, se any = new(*json.SyntaxError), new(*json.UnmarshalTypeError)
			if errors.As(werr, je) != errors.As(err, je) || errors.As(werr, se) != errors.As(err, se) {
				t.Errorf("%q: error %v (%T); encoding/json's %v (%T)", rec, err, errors.Unwrap(err), werr, werr)
			}
		case err != nil:
			t.Errorf("%q: %v; encoding/json decodes it", rec, err)
		case len(got) != 2 || !reflect.DeepEqual(got[1], want):
			t.Errorf("%q: read %+v; encoding/json %+v", rec, got, want)
		}
	}
}
