package io.longlink.connection;

import io.longlink.config.LonglinkConfig;
import io.longlink.credentials.OAuth2Tokens;
import io.longlink.credentials.TokenEndpoint;
import io.longlink.inbox.InboundLog;
import io.longlink.outbox.OutboxStore;
import io.longlink.session.FeedPlan;
import io.longlink.session.NewestValues;
import io.longlink.session.SessionPlan;
import io.longlink.session.Template;

/**
 * What a {@link Session} needs of its connection: one per connection and settings, shared by its sessions, replaced
 * as a whole when the settings are. {@code tokens} is null without {@code auth.oauth2.token-url}. {@code sendRate} is
 * the connection's own, kept across settings and sockets. {@code feed} holds the feed integrity settings, and
 * {@code sequences} (null without {@code inbound.sequence.pointer}) what the connection's sockets saw of the
 * upstream's sequence numbers; {@code requests} outlives the settings (one per connection).
 */
record SessionContext(String id, LonglinkConfig.ConnectionConfig config, SessionPlan plan, Upstream upstream,
        OAuth2Tokens tokens, OutboxStore outbox, InboundLog inbox, NewestValues newest, ConnectionCounters counters,
        SendRate sendRate, ConnectionEnvironment env, FeedPlan feed, FeedSequence sequences,
        PendingRequests requests) {

    /** The context for new settings; the newest values the plan's templates read are seeded from the inbound log. */
    static SessionContext of(String id, LonglinkConfig.ConnectionConfig config, SessionPlan plan, Upstream upstream,
            TokenEndpoint tokenEndpoint, OutboxStore outbox, InboundLog inbox, ConnectionCounters counters,
            SendRate sendRate, ConnectionEnvironment env, PendingRequests requests) {
        SessionPlan.OAuth2 oauth2 = plan.oauth2();
        OAuth2Tokens tokens = oauth2 == null || tokenEndpoint == null ? null
                : new OAuth2Tokens(id, oauth2.clientId(), oauth2.clientSecret(), oauth2.scope(),
                        config.auth().oauth2().expiryMargin(), tokenEndpoint, env.clock());
        NewestValues newest = new NewestValues(plan.inboundPointers());
        // the newest stored values, so a resume token survives restarts wherever the inbound log does
        for (String pointer : plan.inboundPointers()) {
            inbox.newestText(text -> Template.valueAt(text, pointer) != null)
                    .ifPresent(text -> newest.seed(pointer, Template.valueAt(text, pointer)));
        }
        FeedPlan feed = FeedPlan.of(config);
        return new SessionContext(id, config, plan, upstream, tokens, outbox, inbox, newest, counters, sendRate, env,
                feed, FeedSequence.of(feed.sequence(), feed.scope()), requests);
    }

    /** What the templates of the socket that will have {@code generation} read: the environment, the newest inbound. */
    Template.Values templateValues(long generation) {
        return new Template.Values() {
            @Override
            public long generation() {
                return generation;
            }

            @Override
            public String env(String name) {
                return env.variables().apply(name);
            }

            @Override
            public String inbound(String pointer) {
                return newest.get(pointer);
            }
        };
    }
}
