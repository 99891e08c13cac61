package io.github.swooletask.sample;

/** What the "thumbnail" handler returns to a caller waiting with TaskTemplate.call. */
public record Thumbnail(String image, int width, String path, int worker) {
}
