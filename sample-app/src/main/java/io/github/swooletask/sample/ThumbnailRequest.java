package io.github.swooletask.sample;

import jakarta.validation.constraints.NotBlank;

/** Work for the "thumbnail" handler; travels as JSON (or as a PHP array). An image without a name is refused. */
public record ThumbnailRequest(@NotBlank String image, int width) {
}
