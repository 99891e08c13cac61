package io.github.swooletask.spring;

/** Where a task came from. */
public enum TaskSource {

    /** Dispatched by this application's {@link TaskTemplate}. */
    LOCAL,

    /** Posted by another program (for example the PHP client) or by an earlier run of this application. */
    EXTERNAL
}
