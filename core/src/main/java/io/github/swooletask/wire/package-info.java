/**
 * Task frames on the wire: header layout, flags, spill files, encoder, decoder and the batch cursor.
 */
@NullMarked
package io.github.swooletask.wire;

import org.jspecify.annotations.NullMarked;
