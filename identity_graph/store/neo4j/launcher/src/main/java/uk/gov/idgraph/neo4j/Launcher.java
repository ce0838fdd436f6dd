package uk.gov.idgraph.neo4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.LinkedHashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * A Neo4j Community DBMS for development, tests and CI, with no Docker and no neo4j.com download.
 *
 * <p>Runs an embedded {@link DatabaseManagementService} with the Bolt connector on
 * 127.0.0.1:PORT and authentication on; sets the {@code neo4j} user's password; writes
 * {@code HOME/run/ready} and prints {@code READY bolt://127.0.0.1:PORT}; shuts down cleanly on
 * SIGTERM. Started by {@code identity_graph/store/neo4j/server.py}.
 *
 * <p>Environment: {@code IDGRAPH_NEO4J_HOME} (required: data, logs, run files),
 * {@code IDGRAPH_NEO4J_PORT} (required), {@code IDGRAPH_NEO4J_PASSWORD} (required, 8+ chars),
 * {@code IDGRAPH_NEO4J_PLUGINS} (optional: a folder of procedure jars, e.g. GDS),
 * {@code IDGRAPH_NEO4J_PAGECACHE} (optional, default 256m),
 * {@code IDGRAPH_NEO4J_TX_LOG_RETENTION} (optional, default {@code 1G size}: Neo4j's own default,
 * two days, let repeated benchmark loads fill the disk with 42 GB of transaction logs).
 */
public final class Launcher {

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        Path home = Path.of(require("IDGRAPH_NEO4J_HOME")).toAbsolutePath();
        int port = Integer.parseInt(require("IDGRAPH_NEO4J_PORT"));
        String password = require("IDGRAPH_NEO4J_PASSWORD");
        String plugins = System.getenv("IDGRAPH_NEO4J_PLUGINS");
        String pagecache = System.getenv().getOrDefault("IDGRAPH_NEO4J_PAGECACHE", "256m");

        Path run = Files.createDirectories(home.resolve("run"));
        Path ready = run.resolve("ready");
        Files.deleteIfExists(ready);

        Map<String, String> config = new LinkedHashMap<>();
        config.put("server.bolt.enabled", "true");
        config.put("server.bolt.listen_address", "127.0.0.1:" + port);
        config.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        config.put("server.bolt.tls_level", "DISABLED");
        config.put("server.http.enabled", "false");
        config.put("server.https.enabled", "false");
        config.put("dbms.security.auth_enabled", "true");
        config.put("dbms.usage_report.enabled", "false");
        // Bolt's event loops otherwise wait 5 s of quiet, twice, on shutdown
        config.put("internal.dbms.bolt.netty_server_shutdown_quiet_period", "0");
        config.put("internal.dbms.bolt.netty_server_shutdown_timeout", "5");
        config.put("server.memory.pagecache.size", pagecache);
        // Logs older than this are pruned at each checkpoint; a development server needs them
        // only for recovery, which Neo4j keeps whatever the policy.
        config.put(
                "db.tx_log.rotation.retention_policy",
                System.getenv().getOrDefault("IDGRAPH_NEO4J_TX_LOG_RETENTION", "1G size"));
        config.put("server.directories.logs", home.resolve("logs").toString());
        if (plugins != null && !plugins.isEmpty()) {
            config.put("server.directories.plugins", plugins);
            config.put("dbms.security.procedures.unrestricted", "gds.*");
        }

        // Written out, so an operator sees exactly what the DBMS ran with.
        StringBuilder conf = new StringBuilder("# written by the idgraph launcher at every start\n");
        config.forEach((k, v) -> conf.append(k).append('=').append(v).append('\n'));
        Path confFile = run.resolve("neo4j.conf");
        Files.writeString(confFile, conf.toString(), StandardCharsets.UTF_8);

        long t0 = System.nanoTime();
        DatabaseManagementService dbms =
                new DatabaseManagementServiceBuilder(home.resolve("dbms"))
                        .loadPropertiesFromFile(confFile)
                        .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(
                                () -> {
                                    log("shutting down");
                                    try {
                                        Files.deleteIfExists(ready);
                                    } catch (IOException e) {
                                        // the Python side also checks the pid
                                    }
                                    dbms.shutdown();
                                    log("stopped");
                                    stopped.countDown();
                                },
                                "idgraph-neo4j-shutdown"));

        setPassword(dbms.database("system"), password, home.resolve("dbms").resolve(".password-sha256"));

        // The default database must be up before we say READY.
        dbms.database("neo4j").executeTransactionally("RETURN 1");

        long pid = ProcessHandle.current().pid();
        Path tmp = run.resolve("ready.tmp");
        Files.writeString(tmp, "{\"port\": " + port + ", \"pid\": " + pid + "}\n", StandardCharsets.UTF_8);
        Files.move(tmp, ready, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        log(String.format("started in %.1fs", (System.nanoTime() - t0) / 1e9));
        System.out.println("READY bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await();
    }

    /** Sets the neo4j user's password unless it was already set to this one (the marker holds its hash). */
    private static void setPassword(GraphDatabaseService system, String password, Path marker)
            throws IOException, NoSuchAlgorithmException {
        String digest =
                HexFormat.of()
                        .formatHex(
                                MessageDigest.getInstance("SHA-256")
                                        .digest(password.getBytes(StandardCharsets.UTF_8)));
        if (Files.exists(marker) && Files.readString(marker).strip().equals(digest)) {
            return;
        }
        try {
            system.executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $p CHANGE NOT REQUIRED", Map.of("p", password));
        } catch (RuntimeException e) {
            // The same password again: nothing to change.
            if (!String.valueOf(e.getMessage()).contains("same")) {
                throw e;
            }
        }
        Files.writeString(marker, digest + "\n", StandardCharsets.UTF_8);
        log("password of user neo4j set");
    }

    private static String require(String name) {
        String value = System.getenv(name);
        if (value == null || value.isEmpty()) {
            System.err.println("idgraph-neo4j: environment variable " + name + " is required");
            System.exit(2);
        }
        return value;
    }

    private static void log(String message) {
        System.err.println("idgraph-neo4j: " + message);
        System.err.flush();
    }
}
