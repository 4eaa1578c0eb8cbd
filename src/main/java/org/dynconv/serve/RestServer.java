package org.dynconv.serve;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.flow.FlowControlHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.dynconv.serve.RestApi.Reply;

/**
 * The HTTP/1.1 side of the REST API, on Netty: connections are read without blocking on a few
 * event-loop threads, so a slow client costs a connection, never a thread. Each bound here is one
 * a client could otherwise make the server spend:
 *
 * <ul>
 *   <li>time: a request (headers and body) must arrive within {@code readTimeoutSeconds} of its
 *       first byte, or the connection is closed; an idle keep-alive connection is closed after
 *       {@link #IDLE_SECONDS};
 *   <li>bytes: headers at most {@link #MAX_HEADER_BYTES}; a body above {@code maxBodyBytes} is
 *       refused with 413 from its Content-Length before it is read, or as soon as it passes the
 *       limit, and what follows is dropped, not kept; the bodies held at once, read or being
 *       answered, at most {@link #MAX_HELD_BYTES} (or one maximum body) together (beyond: 503);
 *   <li>connections: at most {@link #MAX_CONNECTIONS} open; more are closed on accept;
 *   <li>threads: a request read whole runs on a pool of {@code maxConcurrent + }{@link
 *       #EXTRA_THREADS} threads with a queue of {@link #QUEUE} (full: 503). Status and metadata
 *       requests need no model run and are answered on the event loop, so they stay quick however
 *       busy the pool is.
 * </ul>
 *
 * One request per connection is in progress at a time: the connection is not read while its
 * request runs (pipelined requests wait in a {@link FlowControlHandler}), so a client cannot
 * queue work faster than it is answered.
 */
final class RestServer implements AutoCloseable {
  /** Connections open at once; more are closed as they are accepted. */
  static final int MAX_CONNECTIONS = 1000;
  /** Keep-alive connections with no traffic for this long are closed. */
  static final int IDLE_SECONDS = 300;
  /** Request line and headers together. */
  static final int MAX_HEADER_BYTES = 16 << 10;
  /** Threads beyond {@code maxConcurrent} that parse requests or wait in the batcher. */
  static final int EXTRA_THREADS = 64;
  /** Requests read whole and waiting for a thread, beyond which they get 503. */
  static final int QUEUE = 256;
  /** Oversized bodies up to this size are read and dropped before the 413 answer. */
  private static final long DRAIN_LIMIT = 256L << 20;
  /**
   * Body bytes held at once, over every connection, from the first byte read until the request
   * is answered (beyond it: 503), at least one largest body. Parsing a body takes a few times its
   * size, so this bounds the memory requests can hold.
   */
  static final long MAX_HELD_BYTES = 256L << 20;

  private final RestApi api;
  private final long maxBody;
  private final long readTimeoutNanos;
  private final EventLoopGroup acceptor;
  private final EventLoopGroup loops;
  private final ThreadPoolExecutor pool;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong held = new AtomicLong();
  private final long maxHeld;
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean stopping;
  private Channel listener;

  private RestServer(RestApi api, long maxBody, int readTimeoutSeconds, int maxConcurrent) {
    this.api = api;
    this.maxBody = maxBody;
    this.maxHeld = Math.max(maxBody, MAX_HELD_BYTES);
    this.readTimeoutNanos = TimeUnit.SECONDS.toNanos(readTimeoutSeconds);
    this.acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("dynconv-rest-accept", true));
    this.loops = new NioEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()),
        new DefaultThreadFactory("dynconv-rest-io", true));
    int threads = maxConcurrent + EXTRA_THREADS;
    this.pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(QUEUE), new DefaultThreadFactory("dynconv-rest", true));
  }

  /** Listens on {@code address} (port 0: a free one) and answers with {@code api}. */
  static RestServer start(InetSocketAddress address, RestApi api, long maxBody,
      int readTimeoutSeconds, int maxConcurrent) throws IOException {
    RestServer s = new RestServer(api, maxBody, readTimeoutSeconds, maxConcurrent);
    try {
      s.listener = new ServerBootstrap()
          .group(s.acceptor, s.loops)
          .channel(NioServerSocketChannel.class)
          .option(ChannelOption.SO_BACKLOG, 128)
          .childOption(ChannelOption.TCP_NODELAY, true)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
              s.accept(ch);
            }
          })
          .bind(address).syncUninterruptibly().channel();
      return s;
    } catch (Exception e) { // Netty rethrows the bind's own IOException unchecked
      s.close();
      if (e instanceof BindException) {
        throw new BindException("REST port " + address.getPort() + ": " + e.getMessage());
      }
      if (e instanceof IOException io) {
        throw io;
      }
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(e);
    }
  }

  private void accept(SocketChannel ch) {
    if (connections.incrementAndGet() > MAX_CONNECTIONS || stopping) {
      connections.decrementAndGet();
      ch.close();
      return;
    }
    open.add(ch);
    ch.closeFuture().addListener(f -> {
      connections.decrementAndGet();
      open.remove(ch);
    });
    Connection c = new Connection();
    ch.pipeline()
        .addLast(c.deadline)
        .addLast(new IdleStateHandler(0, 0, IDLE_SECONDS))
        .addLast(new HttpServerCodec(4096, MAX_HEADER_BYTES, 64 << 10))
        .addLast(new FlowControlHandler())
        .addLast(c);
  }

  /** The port listened on. */
  int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /**
   * Refuses new requests (503) and waits up to {@code nanos} for those in flight, returning as
   * soon as there are none; true when none is left.
   */
  boolean drain(long nanos) throws InterruptedException {
    stopping = true;
    long deadline = System.nanoTime() + nanos;
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return inFlight.get() == 0;
  }

  /** Closes the listener and every connection, and stops the threads. */
  @Override
  public void close() {
    stopping = true;
    if (listener != null) {
      listener.close().syncUninterruptibly();
    }
    open.forEach(Channel::close);
    pool.shutdown();
    acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** One connection's request in progress; its methods run on the connection's event loop. */
  private final class Connection extends ChannelInboundHandlerAdapter {
    /** Sees the raw bytes, so the read deadline starts at a request's first byte. */
    final ChannelInboundHandlerAdapter deadline = new ChannelInboundHandlerAdapter() {
      @Override
      public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (timer == null && !running) {
          timer = ctx.executor().schedule(() -> {
            if (!running) {
              ctx.close(); // the request did not arrive in time
            }
          }, readTimeoutNanos, TimeUnit.NANOSECONDS);
        }
        ctx.fireChannelRead(msg);
      }
    };

    private ScheduledFuture<?> timer;
    private HttpRequest request;
    private ByteArrayOutputStream body;
    /** Set when the body is to be dropped and the request answered with this reply. */
    private Reply refusal;
    private long dropped;
    /** Body bytes counted in {@code held} for this request. */
    private long holding;
    private boolean running;
    /** Whether this connection's request is counted in {@code inFlight}. */
    private boolean counted;

    /** Drops the body and gives its bytes back to the server's budget. */
    private void release() {
      body = null;
      held.addAndGet(-holding);
      holding = 0;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (msg instanceof HttpRequest r) {
          begin(ctx, r);
        }
        if (msg instanceof HttpContent c && request != null) {
          append(ctx, c.content());
          if (msg instanceof LastHttpContent) {
            finish(ctx);
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    private void begin(ChannelHandlerContext ctx, HttpRequest r) {
      release();
      request = r;
      refusal = null;
      dropped = 0;
      if (r.decoderResult().isFailure()) {
        request = null;
        reply(ctx, Reply.error(400, "malformed HTTP request: "
            + r.decoderResult().cause().getMessage()), false);
        return;
      }
      if (stopping) {
        refusal = Reply.error(503, "the server is stopping");
      } else {
        // In flight from its headers on: a stop waits for a request being read, too.
        counted = true;
        inFlight.incrementAndGet();
      }
      long length = HttpUtil.getContentLength(r, -1L);
      if (length > maxBody) {
        refusal = Reply.error(413, "the request body of " + length + " bytes exceeds the limit of "
            + maxBody + " (--max-body-bytes)");
        if (length > DRAIN_LIMIT || HttpUtil.is100ContinueExpected(r)) {
          // Not worth reading to the end: answer now and close.
          request = null;
          reply(ctx, refusal, false);
          return;
        }
      } else if (HttpUtil.is100ContinueExpected(r)) {
        ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.CONTINUE, Unpooled.EMPTY_BUFFER));
      }
      body = new ByteArrayOutputStream((int) Math.min(Math.max(length, 0), 1 << 20));
    }

    private void append(ChannelHandlerContext ctx, ByteBuf content) {
      int n = content.readableBytes();
      if (refusal != null) {
        dropped += n;
        if (dropped > DRAIN_LIMIT) {
          request = null;
          reply(ctx, refusal, false);
        }
        return;
      }
      if ((long) body.size() + n > maxBody) {
        refusal = Reply.error(413, "the request body exceeds the limit of " + maxBody
            + " bytes (--max-body-bytes)");
        release();
        return;
      }
      if (held.addAndGet(n) > maxHeld) {
        held.addAndGet(-n);
        refusal = Reply.error(503, "the server holds too many request bytes (" + maxHeld
            + "); retry later");
        release();
        return;
      }
      holding += n;
      try {
        content.readBytes(body, n);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
      }
    }

    /** The request is read whole: answer it, here or on the pool. */
    private void finish(ChannelHandlerContext ctx) {
      HttpRequest r = request;
      request = null;
      cancelTimer();
      boolean keepAlive = HttpUtil.isKeepAlive(r);
      if (refusal != null) {
        release();
        reply(ctx, refusal, keepAlive);
        return;
      }
      byte[] bytes = body.toByteArray();
      body = null; // the bytes stay counted in held until the reply
      String path = new QueryStringDecoder(r.uri()).path(), method = r.method().name();
      running = true;
      ctx.channel().config().setAutoRead(false);
      if (!r.method().equals(HttpMethod.POST)) {
        // No model run: answered on the event loop, so status stays quick under any load.
        reply(ctx, api.handle(method, path, bytes), keepAlive);
        return;
      }
      try {
        pool.execute(() -> {
          Reply out;
          try {
            out = api.handle(method, path, bytes);
          } catch (Error e) {
            out = Reply.error(500, e.getClass().getSimpleName() + ": " + e.getMessage());
          }
          Reply done = out;
          ctx.executor().execute(() -> reply(ctx, done, keepAlive));
        });
      } catch (RejectedExecutionException e) {
        reply(ctx, Reply.error(503, "too many requests waiting (" + QUEUE + "); retry later"),
            keepAlive);
      }
    }

    /** Writes a reply; reading resumes after it is sent, or the connection closes. */
    private void reply(ChannelHandlerContext ctx, Reply reply, boolean keepAlive) {
      cancelTimer();
      release();
      FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(reply.json()));
      resp.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
      HttpUtil.setContentLength(resp, reply.json().length);
      HttpUtil.setKeepAlive(resp, keepAlive && !stopping);
      ctx.writeAndFlush(resp).addListener((ChannelFutureListener) f -> {
        running = false;
        uncount();
        if (!f.isSuccess() || !keepAlive || stopping) {
          ctx.close();
        } else {
          ctx.channel().config().setAutoRead(true);
        }
      });
    }

    /** The request is answered or its connection gone: no longer in flight. */
    private void uncount() {
      if (counted) {
        counted = false;
        inFlight.decrementAndGet();
      }
    }

    private void cancelTimer() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof IdleStateEvent && !running) {
        ctx.close();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      cancelTimer();
      if (!running) {
        release(); // a running request releases its bytes when it replies
        uncount();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close(); // a reset or broken connection: nothing to answer
    }
  }
}
