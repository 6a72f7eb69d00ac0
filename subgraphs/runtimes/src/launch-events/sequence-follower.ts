import { domainError } from '@addon-platform/platform';

/** How a hub hands a follower its live items. */
export interface ArrivalSink<T> {
  /** A live item at `sequence`; without the item when it must be read from the database. */
  arrive(sequence: bigint, item: T | undefined): void;
  /** Live items may have been lost (the LISTEN connection dropped and is back): read on from the database. */
  catchUp(): void;
  /** No live item will come any more. */
  end(error: Error): void;
}

export interface FollowOptions<T extends { cursor: string }> {
  /** Registers the sink for live items; answers how to unregister it. */
  listen(sink: ArrivalSink<T>): () => void;
  /** The sequence to follow on from, read once the sink is registered (so nothing falls between the two); null when there is nothing to follow. */
  start(): Promise<bigint | null>;
  /** Up to `limit` items after `after`, in sequence order. */
  read(after: bigint, limit: number): Promise<T[]>;
  /** Items the follower passes over (they still move it on); all by default. */
  wanted?(item: T): boolean;
  /** The item after which the stream is complete; none by default. */
  isLast?(item: T): boolean;
  /** Live items held for a subscriber that does not keep up; beyond this it is ended. Default 1000. */
  maxBuffered?: number;
  /** Items read from the database at once. Default 100. */
  pageSize?: number;
}

/**
 * Follows a sequence (an instance's events, a tenant's feed) from the database and then live: each
 * item once, in sequence order, with no gap. The database is the record and live items only a shortcut:
 * a live item that is not the very next one (a NOTIFY lost or still to come), or that came without its
 * content, makes the follower read on from the database; items it has already passed are dropped.
 * A subscriber that lets {@link FollowOptions.maxBuffered} live items pile up is ended with
 * `SUBSCRIPTION_BEHIND` and the cursor to resubscribe from, never skipped ahead.
 */
export async function followSequence<T extends { cursor: string }>(options: FollowOptions<T>): Promise<AsyncIterableIterator<T>> {
  const { listen, start, read, wanted = () => true, isLast = () => false, maxBuffered = 1000, pageSize = 100 } = options;
  const arrivals: { sequence: bigint; item: T | undefined }[] = [];
  // Until start() answers, every arrival is kept.
  let position = -1n;
  let readPending = true;
  let ended: Error | undefined;
  let closed = false;
  let lastCursor: string | null = null;
  let wake: (() => void) | undefined;
  const rouse = () => {
    wake?.();
    wake = undefined;
  };
  const end = (error: Error) => {
    ended ??= error;
    arrivals.length = 0;
    unlisten();
    rouse();
  };
  const unlisten = listen({
    arrive(sequence, item) {
      if (ended || sequence <= position) return;
      if (arrivals.length >= maxBuffered) {
        end(
          domainError(
            'SUBSCRIPTION_BEHIND',
            `This subscription fell more than ${maxBuffered} events behind and was ended; subscribe again with after: ${lastCursor === null ? 'the cursor you started from' : `"${lastCursor}"`}.`,
            { cursor: lastCursor },
          ),
        );
        return;
      }
      arrivals.push({ sequence, item });
      rouse();
    },
    catchUp() {
      readPending = true;
      rouse();
    },
    end,
  });
  const stop = () => {
    closed = true;
    unlisten();
    rouse();
  };

  let from: bigint | null;
  try {
    from = await start();
  } catch (error) {
    unlisten();
    throw error;
  }
  if (from === null) {
    unlisten();
    return (async function* () {})();
  }
  position = from;

  async function* run(): AsyncGenerator<T> {
    try {
      for (;;) {
        if (closed) return;
        if (ended) throw ended;
        let next: T[];
        if (readPending) {
          readPending = false;
          next = await read(position, pageSize);
          if (next.length === pageSize) readPending = true;
        } else {
          const arrival = arrivals.shift();
          if (!arrival) {
            await new Promise<void>((resolve) => (wake = resolve));
            continue;
          }
          if (arrival.sequence <= position) continue;
          if (arrival.sequence !== position + 1n || !arrival.item) {
            readPending = true;
            continue;
          }
          next = [arrival.item];
        }
        for (const item of next) {
          const sequence = BigInt(item.cursor);
          if (sequence <= position) continue;
          position = sequence;
          if (!wanted(item)) continue;
          lastCursor = item.cursor;
          yield item;
          if (isLast(item)) return;
        }
      }
    } finally {
      stop();
    }
  }

  // An async generator waiting for an arrival would hold a return() until the next one: stop it first.
  const generator = run();
  const iterator: AsyncIterableIterator<T> = {
    next: () => generator.next(),
    return: (value?: unknown) => {
      stop();
      return generator.return(value as never);
    },
    throw: (error?: unknown) => {
      stop();
      return generator.throw(error);
    },
    [Symbol.asyncIterator]: () => iterator,
  };
  return iterator;
}
