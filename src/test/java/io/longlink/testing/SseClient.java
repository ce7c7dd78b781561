package io.longlink.testing;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.restassured.RestAssured;

/** A Server-Sent Events client for tests: reads a stream of the app in the background and keeps every event. */
public final class SseClient implements AutoCloseable {

    /** One event as received. */
    public record Event(String name, String id, String data) {
    }

    public final List<Event> events = new CopyOnWriteArrayList<>();
    private final HttpResponse<InputStream> response;

    private SseClient(HttpResponse<InputStream> response) {
        this.response = response;
    }

    /** Opens {@code path} of the app under test, resuming after {@code lastEventId} when not null. */
    public static SseClient open(String path, String lastEventId) throws Exception {
        return open(path, lastEventId, Map.of());
    }

    /** The same with extra request headers (an API key). */
    public static SseClient open(String path, String lastEventId, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .header("Accept", "text/event-stream");
        headers.forEach(request::header);
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request.build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(path + " answered " + response.statusCode());
        }
        SseClient client = new SseClient(response);
        Thread reader = new Thread(client::read, "sse-client " + path);
        reader.setDaemon(true);
        reader.start();
        return client;
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String name = null;
            String id = null;
            StringBuilder data = new StringBuilder();
            String line;
            while ((line = in.readLine()) != null) {
                if (line.isEmpty()) {
                    if (data.length() > 0) {
                        events.add(new Event(name, id, data.toString()));
                    }
                    name = null;
                    id = null;
                    data.setLength(0);
                } else if (line.startsWith("event:")) {
                    name = line.substring(6).trim();
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).trim();
                } else if (line.startsWith("data:")) {
                    data.append(line.substring(5).trim());
                }
            }
        } catch (Exception e) {
            // the stream ends when the test closes it
        }
    }

    @Override
    public void close() throws Exception {
        response.body().close();
    }
}
