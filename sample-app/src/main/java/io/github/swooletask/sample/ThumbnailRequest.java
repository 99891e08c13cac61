package io.github.swooletask.sample;

/** Work for the "thumbnail" handler; travels as JSON. */
public record ThumbnailRequest(String image, int width) {
}
