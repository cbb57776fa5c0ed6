package synth_test

import (
	"fmt"

	"github.com/secopsdesign/secops/internal/synth"
)

func ExampleDesign() {
	d := synth.Design(3)
	fmt.Println(len(d.Playbooks), "playbooks of", len(d.Playbooks[0].Steps), "steps,", len(d.Criteria.Detections), "detections")
	fmt.Println(d.Validate())
	// Output:
	// 3 playbooks of 20 steps, 3 detections
	// <nil>
}
