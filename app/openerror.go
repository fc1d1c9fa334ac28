package app

import (
	"tessera/slide"
	"tessera/storyboard"
)

// openSlide opens a slide, turning errors into sentences for the user
// (storyboard.DescribeOpenError).
func openSlide(path string) (slide.Slide, error) {
	s, err := slide.Open(path)
	if err != nil {
		return nil, storyboard.DescribeOpenError(path, err)
	}
	return s, nil
}
