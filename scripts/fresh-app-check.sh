#!/usr/bin/env bash
# Tries the starter as a new user would: a fresh Spring Boot 4.0.7 app that declares only
# spring-boot-starter-parent and swoole-task-spring-boot-starter, with one @TaskHandler method, and, with test
# scope, swoole-task-spring-boot-starter-test for its one @SpringBootTest (run by the build, on the in-memory
# transport).
# It runs the app in ipc-mode 1 with nothing configured, then in modes 2 and 3 with a key (3 once more with
# spring.main.lazy-initialization=true), and posts tasks with
# the reference PHP client (../shared/reference/SwooleTask.php, unchanged) or, without it, with the sample's client.
# Needs `mvn -B install -DskipTests` of this repository first, java 17, and php with sysvmsg.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
app_pid=""
key=$(printf '0x515b%04x' $((RANDOM % 65535 + 1)))
cleanup() {
    [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
    ipcrm -Q "$key" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

client="$root/../shared/reference/SwooleTask.php"
if [ -f "$client" ]; then
    post() { php "$client" "$key" 3 "Hello from PHP!"; }
else
    echo "reference client not found at $client; using sample-app's PHP client"
    post() { for i in 1 2 3; do php "$root/sample-app/src/test/resources/php/post-task.php" "$key" "Hello from PHP!"; done; }
fi

mkdir -p "$work/src/main/java/demo" "$work/src/test/java/demo"
cat > "$work/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
    <modelVersion>4.0.0</modelVersion>
    <parent>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-starter-parent</artifactId>
        <version>4.0.7</version>
        <relativePath/>
    </parent>
    <groupId>demo</groupId>
    <artifactId>demo</artifactId>
    <version>1</version>
    <properties><java.version>17</java.version></properties>
    <dependencies>
        <dependency>
            <groupId>io.github.swooletask</groupId>
            <artifactId>swoole-task-spring-boot-starter</artifactId>
            <version>0.1.0-SNAPSHOT</version>
        </dependency>
        <dependency>
            <groupId>io.github.swooletask</groupId>
            <artifactId>swoole-task-spring-boot-starter-test</artifactId>
            <version>0.1.0-SNAPSHOT</version>
            <scope>test</scope>
        </dependency>
    </dependencies>
    <build>
        <finalName>demo</finalName>
        <plugins><plugin><groupId>org.springframework.boot</groupId><artifactId>spring-boot-maven-plugin</artifactId></plugin></plugins>
    </build>
</project>
POM
cat > "$work/src/main/java/demo/DemoApplication.java" <<'JAVA'
package demo;

import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

import io.github.swooletask.spring.TaskContext;
import io.github.swooletask.spring.TaskHandler;
import io.github.swooletask.spring.TaskTemplate;

@SpringBootApplication
public class DemoApplication {

    public static void main(String[] args) {
        SpringApplication.run(DemoApplication.class, args);
    }

    @Bean
    CommandLineRunner hello(TaskTemplate tasks) {
        return (args) -> tasks.dispatch("Hello from Java!");
    }

    @TaskHandler
    public void handle(String text, TaskContext context) {
        System.out.println("HANDLED " + context.source() + " task " + context.taskId() + " on worker "
                + context.workerId() + ": " + text);
    }
}
JAVA

cat > "$work/src/test/java/demo/DemoApplicationTests.java" <<'JAVA'
package demo;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import io.github.swooletask.spring.TaskOperations;
import io.github.swooletask.test.ExternalTask;
import io.github.swooletask.test.HandledTask;
import io.github.swooletask.test.SwooleTaskTestHarness;
import io.github.swooletask.test.autoconfigure.AutoConfigureSwooleTaskTest;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest
@AutoConfigureSwooleTaskTest
class DemoApplicationTests {

    @Autowired
    TaskOperations tasks;

    @Autowired
    SwooleTaskTestHarness harness;

    @Test
    void handlesTasksFromJavaAndFromPhp() {
        tasks.dispatch("Hello from a test!");
        harness.post(ExternalTask.text("Hello from PHP!"));
        assertThat(harness.awaitHandled(2)).allMatch(HandledTask::succeeded);
    }
}
JAVA

(cd "$work" && mvn -B -q package)
echo "fresh app built and its test passed: $work/target/demo.jar"

run_case() {
    local name=$1 expect_php=$2; shift 2
    local log="$work/$name.log"
    java -jar "$work/target/demo.jar" --swoole.task.tmpdir=/tmp "$@" > "$log" 2>&1 &
    app_pid=$!
    for _ in $(seq 1 150); do grep -q "Started DemoApplication" "$log" && break; sleep 0.2; done
    grep -q "Started DemoApplication" "$log" || { cat "$log"; echo "FAIL $name: app did not start"; exit 1; }
    if [ "$expect_php" = yes ]; then post >/dev/null; fi
    local want=1; [ "$expect_php" = yes ] && want=4
    for _ in $(seq 1 100); do [ "$(grep -c '^HANDLED' "$log")" -ge "$want" ] && break; sleep 0.1; done
    kill -TERM "$app_pid" 2>/dev/null || true; wait "$app_pid" || true; app_pid=""
    local got; got=$(grep -c '^HANDLED' "$log" || true)
    grep '^HANDLED' "$log" | sed "s/^/  [$name] /"
    if [ "$got" -ne "$want" ]; then cat "$log"; echo "FAIL $name: $got of $want tasks handled"; exit 1; fi
    if [ "$expect_php" = yes ] && ! grep -q "HANDLED EXTERNAL task .*: Hello from PHP!" "$log"; then
        echo "FAIL $name: no task from PHP"; exit 1
    fi
    echo "ok $name: $got tasks handled"
}

run_case mode1-defaults no
run_case mode2 yes --swoole.task.ipc-mode=2 --swoole.task.worker-num=3 --swoole.task.message-queue-key="$key"
ipcrm -Q "$key"
run_case mode3 yes --swoole.task.ipc-mode=msgqueue-preemptive --swoole.task.worker-num=2 --swoole.task.message-queue-key="$key"
ipcrm -Q "$key"
# every bean lazy: the handler's bean must still be made at startup, or PHP's tasks find no handler
run_case mode3-lazy yes --spring.main.lazy-initialization=true --swoole.task.ipc-mode=3 --swoole.task.worker-num=2 --swoole.task.message-queue-key="$key"
echo "fresh app check: 4 cases passed"
