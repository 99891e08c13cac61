package io.github.swooletask.spring;

/**
 * Where a task came from, as far as the frame tells: a hint, not an authorisation. The from id it is read from is a
 * 15-bit tag any program that can post to the queue can write; check what a task may do from its payload and the
 * queue's permissions, never from this.
 */
public enum TaskSource {

    /** Dispatched by this application's {@link TaskTemplate}. */
    LOCAL,

    /** Posted by another program (for example the PHP client) or by an earlier run of this application. */
    EXTERNAL
}
