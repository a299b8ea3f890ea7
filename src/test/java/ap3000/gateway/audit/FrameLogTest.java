package ap3000.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;

import ap3000.gateway.device.TestFrames;
import ap3000.gateway.protocol.FrameCounts;
import ap3000.gateway.protocol.ServerCommands;
import ap3000.gateway.redis.RedisConnection;

/** The frame log's record layout, its buffer limit and retry, and its size in a real redis-server. */
class FrameLogTest {

    private static final int DEVICE = 0x04600002;
    /** The start of the last full UTC hour: its keys are well within their retention. */
    private static final long HOUR = FrameRecord.hourStart(System.currentTimeMillis()) - 3_600_000;

    private final MutableClock clock = new MutableClock(HOUR);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private RedisConnection redis;

    @BeforeEach
    void newRedis() throws Exception {
        // not started yet: each test starts it when it wants Redis up
        Path dir = Files.createTempDirectory("frame-log-test");
        redis = new RedisConnection("", dir, 0, "everysec", Duration.ofSeconds(2), 4);
    }

    @AfterEach
    void stopRedis() {
        redis.stop();
    }

    @Test
    void should_parse_back_what_it_wrote_record_by_record() {
        byte[] heartbeat = TestFrames.heartbeat(DEVICE, 1, 0, 0).toBytes();
        byte[] reply = ServerCommands.ok(TestFrames.heartbeat(DEVICE, 1, 0, 0)).toBytes();
        byte[] bytes = new byte[2 * FrameRecord.HEADER_SIZE + heartbeat.length + reply.length];
        int end = FrameRecord.write(bytes, 0, 0, false, heartbeat, 0, heartbeat.length);
        assertThat(FrameRecord.write(bytes, end, 3_599_999, true, reply, 0, reply.length)).isEqualTo(bytes.length);
        assertThat(bytes).hasSize(2 * FrameRecord.HEADER_SIZE + heartbeat.length + reply.length);
        // u32 BE offset | u8 direction | u16 BE length
        assertThat(Arrays.copyOfRange(bytes, 0, 7)).containsExactly(0, 0, 0, 0, 0, 0, heartbeat.length);
        int second = 7 + heartbeat.length;
        assertThat(Arrays.copyOfRange(bytes, second, second + 7))
                .containsExactly(0x00, 0x36, (byte) 0xEE, 0x7F, 1, 0, reply.length);

        List<FrameRecord> parsed = FrameRecord.parse(DEVICE, bytes, HOUR);
        assertThat(parsed).hasSize(2);
        assertThat(parsed.get(0).millis()).isEqualTo(HOUR);
        assertThat(parsed.get(0).out()).isFalse();
        assertThat(parsed.get(0).bytes()).isEqualTo(heartbeat);
        assertThat(parsed.get(1).millis()).isEqualTo(HOUR + 3_599_999);
        assertThat(parsed.get(1).out()).isTrue();
        assertThat(parsed.get(1).bytes()).isEqualTo(reply);
        // a value cut short yields the records before the cut
        assertThat(FrameRecord.parse(DEVICE, Arrays.copyOf(bytes, bytes.length - 1), HOUR)).hasSize(1);
    }

    @Test
    void should_keep_frames_while_redis_is_unreachable_up_to_the_limit_and_write_them_in_order_later() {
        FrameLog log = new FrameLog(redis, "audit:", Duration.ofHours(24), 3, clock, meters);
        for (int i = 1; i <= 5; i++) {
            tap(log, TestFrames.heartbeat(DEVICE, i, 0).toBytes(), false);
            clock.advance(1000);
        }
        log.flush(); // Redis not started: fails, keeps all three
        assertThat(log.buffered()).isEqualTo(3);
        assertThat(meters.get("gateway.audit.frames.dropped").functionCounter().count()).isEqualTo(2);
        assertThat(meters.get("gateway.audit.frames.written").counter().count()).isZero();
        // while those are not written, new frames fill the thread's buffer up to the limit, no further
        for (int i = 6; i <= 10; i++) {
            tap(log, TestFrames.heartbeat(DEVICE, i, 0).toBytes(), false);
            clock.advance(1000);
        }
        log.flush();
        assertThat(log.buffered()).isEqualTo(6);
        assertThat(meters.get("gateway.audit.frames.dropped").functionCounter().count()).isEqualTo(4);

        redis.start();
        log.flush();
        assertThat(log.buffered()).isZero();
        assertThat(meters.get("gateway.audit.frames.written").counter().count()).isEqualTo(6);
        List<FrameRecord> frames = log.frames("04600002", HOUR, HOUR + 20_000, 100);
        assertThat(frames).extracting(FrameRecord::millis)
                .containsExactly(HOUR, HOUR + 1000, HOUR + 2000, HOUR + 5000, HOUR + 6000, HOUR + 7000);
        assertThat(frames.get(2).bytes()).isEqualTo(TestFrames.heartbeat(DEVICE, 3, 0).toBytes());
    }

    @Test
    void should_write_the_frames_of_every_io_thread_grouped_by_device() throws Exception {
        redis.start();
        FrameLog log = new FrameLog(redis, "audit:", Duration.ofHours(24), 1000, clock, meters);
        int other = DEVICE + 1;
        Thread second = new Thread(() -> {
            for (int i = 0; i < 10; i++) {
                byte[] frame = TestFrames.heartbeat(other, i, 0).toBytes();
                log.frame(other, FrameCounts.Direction.IN, Unpooled.wrappedBuffer(frame), 0, frame.length);
            }
        });
        second.start();
        for (int i = 0; i < 10; i++) {
            tap(log, TestFrames.heartbeat(DEVICE, i, 0).toBytes(), false);
        }
        second.join();
        log.flush();
        assertThat(meters.get("gateway.audit.frames.written").counter().count()).isEqualTo(20);
        assertThat(log.frames("04600002", HOUR, HOUR + 1000, 100)).hasSize(10)
                .allSatisfy(r -> assertThat(r.physicalId()).isEqualTo(DEVICE));
        List<FrameRecord> others = log.frames("04600003", HOUR, HOUR + 1000, 100);
        assertThat(others).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(others.get(i).bytes()).isEqualTo(TestFrames.heartbeat(other, i, 0).toBytes());
        }
    }

    @Test
    void should_file_frames_by_utc_hour_with_the_ttl_counted_from_the_end_of_the_hour() {
        redis.start();
        clock.set(System.currentTimeMillis());
        FrameLog log = new FrameLog(redis, "audit:", Duration.ofHours(24), 1000, clock, meters);
        long now = clock.millis();
        tap(log, TestFrames.heartbeat(DEVICE, 1, 0).toBytes(), false);
        log.flush();
        long hourStart = FrameRecord.hourStart(now);
        String key = "audit:frames:04600002:" + Instant.ofEpochMilli(hourStart).atZone(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyyMMddHH"));
        long expected = (hourStart + 3_600_000 - now) / 1000 + Duration.ofHours(24).toSeconds();
        assertThat(redis.client().ttl(key)).isBetween(expected - 5, expected + 1);
    }

    /**
     * Prints what an hour of a device's heartbeats costs: 180 heartbeats (one per 20 s) and the 180 replies,
     * appended in flushes as the gateway does it, then {@code MEMORY USAGE} of the one key.
     */
    @Test
    void should_keep_an_hour_of_heartbeats_in_one_compact_key() {
        redis.start();
        FrameLog log = new FrameLog(redis, "audit:", Duration.ofHours(24), 1000, clock, meters);
        byte[] heartbeat = TestFrames.heartbeat(DEVICE, 1, 0, 0).toBytes();
        byte[] reply = ServerCommands.ok(TestFrames.heartbeat(DEVICE, 1, 0, 0)).toBytes();
        for (int i = 0; i < 180; i++) {
            tap(log, TestFrames.heartbeat(DEVICE, i, 0, 0).toBytes(), false);
            clock.advance(15);
            tap(log, ServerCommands.ok(TestFrames.heartbeat(DEVICE, i, 0, 0)).toBytes(), true);
            clock.advance(19_985);
            log.flush();
        }
        String key = "audit:frames:04600002:" + Instant.ofEpochMilli(HOUR).atZone(ZoneOffset.UTC)
                .format(DateTimeFormatter.ofPattern("yyyyMMddHH"));
        long payload = 180L * (FrameRecord.HEADER_SIZE + heartbeat.length) + 180L * (FrameRecord.HEADER_SIZE
                + reply.length);
        assertThat(redis.client().strlen(key)).isEqualTo(payload);
        Long appended = redis.client().memoryUsage(key);
        long ttl = redis.client().ttl(key);
        // the hour is over: the next flush after the grace period rewrites the key at its size
        clock.advance(31_000);
        log.flush();
        Long compacted = redis.client().memoryUsage(key);
        System.out.printf("frame log: heartbeat record %d bytes (7 + %d), reply record %d bytes (7 + %d); "
                        + "one hour of 180 heartbeats + 180 replies: %d bytes of records, MEMORY USAGE %d bytes while "
                        + "appended to, %d bytes once compacted%n",
                FrameRecord.HEADER_SIZE + heartbeat.length, heartbeat.length, FrameRecord.HEADER_SIZE + reply.length,
                reply.length, payload, appended, compacted);
        assertThat(appended).isBetween(payload, payload * 2);
        // the allocator's size classes still round a value up, by a quarter at most
        assertThat(compacted).isBetween(payload, payload * 5 / 4 + 128).isLessThan(appended);
        assertThat(redis.client().strlen(key)).isEqualTo(payload);
        assertThat(redis.client().ttl(key)).isBetween(ttl - 60, ttl);
        assertThat(log.frames("04600002", HOUR, HOUR + 3_600_000, 1000)).hasSize(360);
    }

    private static void tap(FrameLog log, byte[] frame, boolean out) {
        log.frame(DEVICE, out ? FrameCounts.Direction.OUT : FrameCounts.Direction.IN, Unpooled.wrappedBuffer(frame),
                0, frame.length);
    }

    private static final class MutableClock extends Clock {
        private long millis;

        MutableClock(long millis) {
            this.millis = millis;
        }

        void advance(long delta) {
            millis += delta;
        }

        void set(long value) {
            millis = value;
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
