package cluster

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// What a chain's hop costs with nothing of taskgraph's in it, for
// comparison with BenchmarkCluster's chain: an embedded server in this
// process, and a process of the test program that answers. core-rtt is a
// plain request and reply; jetstream-hop is a message published to a
// work-queue stream, delivered to the other process's pull iterator
// (a pull always parked), and answered with a plain message, the way a
// task goes to a worker and its result comes back.
func BenchmarkChainFloor(b *testing.B) {
	ctx := context.Background()
	l, err := StartLocal(ctx, LocalOptions{NoWorkers: true})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	nc, err := nats.Connect(l.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "FLOOR", Subjects: []string{"floor.task"},
		Retention: jetstream.WorkQueuePolicy, Storage: jetstream.MemoryStorage})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "floor", AckPolicy: jetstream.AckExplicitPolicy}); err != nil {
		b.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), floorEnv+"="+l.URL())
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for _, err := nc.Request("floor.rtt", nil, 100*time.Millisecond); err != nil; _, err = nc.Request("floor.rtt", nil, 100*time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("the answering process did not start")
		}
	}
	b.Run("core-rtt", func(b *testing.B) {
		for b.Loop() {
			if _, err := nc.Request("floor.rtt", []byte("x"), 5*time.Second); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jetstream-hop", func(b *testing.B) {
		back := make(chan struct{}, 1)
		sub, err := nc.Subscribe("floor.back", func(*nats.Msg) { back <- struct{}{} })
		if err != nil {
			b.Fatal(err)
		}
		defer sub.Unsubscribe()
		nc.Flush()
		for b.Loop() {
			if _, err := js.PublishAsync("floor.task", []byte("x")); err != nil {
				b.Fatal(err)
			}
			select {
			case <-back:
			case <-time.After(5 * time.Second):
				b.Fatal("no answer")
			}
		}
	})
}

// floorEnv makes the test program the answering process of
// BenchmarkChainFloor, serving the server at its value.
const floorEnv = "TASKGRAPH_TEST_FLOOR_URL"

func init() {
	if url := os.Getenv(floorEnv); url != "" {
		os.Exit(floorAnswer(url))
	}
}

// floorAnswer answers requests on floor.rtt, and each message of the
// stream FLOOR with a message on floor.back; it returns when the server
// is gone.
func floorAnswer(url string) int {
	nc, err := nats.Connect(url)
	if err != nil {
		return 2
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return 2
	}
	cons, err := js.Consumer(context.Background(), "FLOOR", "floor")
	if err != nil {
		return 2
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(4), jetstream.PullExpiry(5*time.Second), jetstream.PullHeartbeat(time.Second))
	if err != nil {
		return 2
	}
	if _, err := nc.Subscribe("floor.rtt", func(m *nats.Msg) { m.Respond(m.Data) }); err != nil {
		return 2
	}
	for {
		m, err := it.Next()
		if err != nil {
			return 0
		}
		nc.Publish("floor.back", m.Data())
		m.Ack()
	}
}
