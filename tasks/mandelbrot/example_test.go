package mandelbrot_test

import (
	"bytes"
	"fmt"
	"image/png"
	"strings"
	"sync"

	"github.com/seed001e6470/taskgraph/tasks/mandelbrot"
)

func ExampleDefaultView() {
	v := mandelbrot.DefaultView()
	fmt.Println(v.Width, v.Height, v.MaxIter, v.Center, v.Extent)
	fmt.Printf("scale %.4g, pixel (0, 0) at %.6f\n", v.Scale(), v.Point(0, 0))
	// Output:
	// 512 512 1024 (-1.1195+0.2718i) (0.005+0.005i)
	// scale 9.766e-06, pixel (0, 0) at (-1.122000+0.269300i)
}

func ExampleView_Validate() {
	v := mandelbrot.DefaultView()
	v.MaxIter = 0
	fmt.Println(v.Validate())
	// Output:
	// mandelbrot: invalid view: MaxIter 0 is not positive
}

func ExampleEscape() {
	fmt.Println(mandelbrot.Escape(0, 100))             // inside: never escapes
	fmt.Println(mandelbrot.Escape(complex(1, 1), 100)) // |z|² = 2, then 10
	fmt.Println(mandelbrot.Escape(3, 100))             // outside at once
	// Output:
	// 99
	// 1
	// 0
}

func ExampleCompute() {
	m, err := mandelbrot.Compute(mandelbrot.DefaultView())
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Rect, m.Sum(), m.Iterations())
	// Output:
	// 0,0+512x512 21169614 21431758
}

// The same rows as the workshop's Python gives for this view.
func ExampleReference() {
	v := mandelbrot.View{Width: 6, Height: 3, MaxIter: 20, Center: -0.5, Extent: 3}
	ref, _ := mandelbrot.Reference(v, v.Bounds())
	fast, _ := mandelbrot.Compute(v)
	for j := v.Height - 1; j >= 0; j-- { // top row first
		fmt.Println(ref.Row(j))
	}
	fmt.Println(fast.Sum() == ref.Sum())
	// Output:
	// [0 2 4 19 19 4]
	// [19 19 19 19 19 4]
	// [0 2 4 19 19 4]
	// true
}

func ExampleSplit() {
	v := mandelbrot.DefaultView()
	for _, n := range []int{16, 4096} {
		tiles, _ := mandelbrot.Split(v, n)
		fmt.Println(len(tiles), tiles[0], tiles[len(tiles)-1])
	}
	// Output:
	// 16 0,0+128x128 384,384+128x128
	// 4096 0,0+8x8 504,504+8x8
}

func ExampleTiles() {
	v := mandelbrot.View{Width: 10, Height: 5, MaxIter: 1, Extent: 1}
	tiles, _ := mandelbrot.Tiles(v, 4, 4)
	fmt.Println(tiles)
	// Output:
	// [0,0+4x4 4,0+4x4 8,0+2x4 0,4+4x1 4,4+4x1 8,4+2x1]
}

func ExampleComputeTile() {
	v := mandelbrot.DefaultView()
	m, _ := mandelbrot.ComputeTile(v, mandelbrot.Tile{X0: 0, Y0: 0, W: 8, H: 1})
	fmt.Println(m.Pix)
	// Output:
	// [117 202 116 126 149 140 136 115]
}

func ExampleComputeInto() {
	v := mandelbrot.DefaultView()
	buf := make([]int32, 4) // reused for every tile
	for _, x0 := range []int{0, 4} {
		if err := mandelbrot.ComputeInto(buf, v, mandelbrot.Tile{X0: x0, W: 4, H: 1}); err != nil {
			panic(err)
		}
		fmt.Println(buf)
	}
	// Output:
	// [117 202 116 126]
	// [149 140 136 115]
}

// Tiles are independent, so they can be computed concurrently and assembled
// in any order; the result is the same as computing the whole view at once.
func ExampleAssemble() {
	v := mandelbrot.DefaultView()
	tiles, _ := mandelbrot.Split(v, 16)
	parts := make([]mandelbrot.Image, len(tiles))
	var wg sync.WaitGroup
	for k, t := range tiles {
		wg.Go(func() { parts[k], _ = mandelbrot.ComputeTile(v, t) })
	}
	wg.Wait()
	m, err := mandelbrot.Assemble(v.Bounds(), parts...)
	fmt.Println(m.Sum(), err)
	_, err = mandelbrot.Assemble(v.Bounds(), parts[1:]...)
	fmt.Println(err)
	// Output:
	// 21169614 <nil>
	// mandelbrot: bad tile: pixel (0, 0) of 0,0+512x512 is not covered
}

func ExampleImage_Paste() {
	canvas := mandelbrot.NewImage(mandelbrot.Tile{W: 4, H: 2})
	part := mandelbrot.NewImage(mandelbrot.Tile{X0: 2, Y0: 1, W: 2, H: 1})
	part.Pix[0], part.Pix[1] = 7, 8
	if err := canvas.Paste(part); err != nil {
		panic(err)
	}
	fmt.Println(canvas.Row(0), canvas.Row(1))
	// Output:
	// [0 0 0 0] [0 0 7 8]
}

func ExampleViridis() {
	fmt.Println(mandelbrot.Viridis(0), mandelbrot.Viridis(0.5), mandelbrot.Viridis(1))
	// Output:
	// {68 1 84 255} {33 145 140 255} {253 231 37 255}
}

func ExampleColorize() {
	m := mandelbrot.NewImage(mandelbrot.Tile{W: 2, H: 1})
	m.Pix[0], m.Pix[1] = 0, 1000
	img := mandelbrot.Colorize(m)
	fmt.Println(img.Bounds(), img.NRGBAAt(0, 0), img.NRGBAAt(1, 0))
	// Output:
	// (0,0)-(2,1) {68 1 84 255} {253 231 37 255}
}

func ExampleWritePNG() {
	v := mandelbrot.View{Width: 64, Height: 48, MaxIter: 100, Center: -0.5, Extent: 3}
	m, _ := mandelbrot.Compute(v)
	var buf bytes.Buffer
	if err := mandelbrot.WritePNG(&buf, m); err != nil {
		panic(err)
	}
	img, _ := png.Decode(&buf)
	fmt.Println(img.Bounds())
	// Output:
	// (0,0)-(64,48)
}

func ExampleWriteFigure() {
	v := mandelbrot.View{Width: 64, Height: 64, MaxIter: 100, Center: -0.5, Extent: 3}
	m, _ := mandelbrot.Compute(v)
	var buf bytes.Buffer
	if err := mandelbrot.WriteFigure(&buf, v, m, "svg"); err != nil {
		panic(err)
	}
	fmt.Println(strings.Contains(buf.String(), "Re(c)"), strings.Contains(buf.String(), "Im(c)"))
	// Output:
	// true true
}

func ExampleFigure() {
	v := mandelbrot.DefaultView()
	m, _ := mandelbrot.ComputeTile(v, mandelbrot.Tile{W: 16, H: 16})
	p, _ := mandelbrot.Figure(v, m)
	fmt.Printf("%s %.5f…%.5f\n", p.X.Label.Text, p.X.Min, p.X.Max)
	// Output:
	// Re(c) -1.12200…-1.12184
}

func ExampleView_Region() {
	v := mandelbrot.DefaultView()
	lo, hi := v.Region(v.Bounds())
	fmt.Printf("%.4f %.4f\n", lo, hi)
	// Output:
	// (-1.1220+0.2693i) (-1.1170+0.2743i)
}

// A part encodes itself compactly, for a tile computed in another
// process: about a byte a pixel.
func ExamplePart_MarshalBinary() {
	v := mandelbrot.DefaultView()
	tile := mandelbrot.Tile{X0: 200, Y0: 200, W: 32, H: 32}
	m, err := mandelbrot.ComputeTile(v, tile)
	if err != nil {
		panic(err)
	}
	data, err := mandelbrot.Part{Image: m, Sum: m.Sum()}.MarshalBinary()
	if err != nil {
		panic(err)
	}
	var back mandelbrot.Part
	if err := back.UnmarshalBinary(data); err != nil {
		panic(err)
	}
	fmt.Println(len(m.Pix), "pixels,", len(data), "bytes; sum", back.Sum, "=", back.Image.Sum())
	// Output:
	// 1024 pixels, 1088 bytes; sum 105087 = 105087
}
