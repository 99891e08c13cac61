/**
 * Replies to other programs: the result encoder, the replies to tasks posted with a reply address, and the router
 * that sends each outcome where its task asked.
 */
@NullMarked
package io.github.swooletask.reply;

import org.jspecify.annotations.NullMarked;
