//! The connection wrapper that gives the HTTP layer's own refusals a problem body.
//!
//! A few requests are refused by the HTTP/1 codec before any service code runs: a header block
//! beyond the parser's buffer (431), a request line or head it cannot parse, such as a path
//! longer than a URI may be (400), and a head that does not arrive in time (408). The codec
//! answers these with an empty body and closes the connection. Every other error of the
//! platform is `application/problem+json`, so this wrapper, sitting between the codec and the
//! socket, recognises exactly those empty codec answers as they are written and adds the
//! problem body and the security headers. Responses of the application always have a body
//! (or, for HEAD, a non-zero length), so nothing else matches.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::{ApiError, PROBLEM_TYPE_BASE};

/// The codec's refusals: the problem that explains a status line, if it is one of them.
fn refusal(head: &[u8]) -> Option<ApiError> {
    if head.starts_with(b"HTTP/1.1 400 Bad Request\r\n") {
        Some(ApiError::BadRequest(
            "the request line or a header could not be parsed (or the path is too long)".into(),
        ))
    } else if head.starts_with(b"HTTP/1.1 408 Request Timeout\r\n") {
        Some(ApiError::RequestTimeout(
            "the request head was not received in time".into(),
        ))
    } else if head.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\n") {
        Some(ApiError::HeaderTooLarge(
            "the request head exceeds the size limit".into(),
        ))
    } else {
        None
    }
}

/// Rewrites `buf` if it is one complete, empty codec refusal.
fn rewrite(buf: &[u8]) -> Option<Vec<u8>> {
    let error = refusal(buf)?;
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    if end != buf.len() {
        return None;
    }
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let empty = head
        .split("\r\n")
        .any(|line| line.eq_ignore_ascii_case("content-length: 0"));
    if !empty {
        return None;
    }
    let body = serde_json::to_vec(&error.problem()).ok()?;
    debug_assert!(error.problem().problem_type.starts_with(PROBLEM_TYPE_BASE));
    let mut out = Vec::with_capacity(end + body.len() + 160);
    for line in head.trim_end_matches("\r\n").split("\r\n") {
        if line.eq_ignore_ascii_case("content-length: 0") {
            continue;
        }
        out.extend_from_slice(line.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(
        format!(
            "content-type: application/problem+json\r\ncontent-length: {}\r\n\
             cache-control: no-store\r\nx-content-type-options: nosniff\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&body);
    Some(out)
}

/// A connection whose codec refusals are written as problems.
pub struct ProblemIo<T> {
    inner: T,
    /// Rewritten bytes still to be written, and how many of them are written.
    pending: Vec<u8>,
    written: usize,
}

impl<T> ProblemIo<T> {
    pub fn new(inner: T) -> Self {
        ProblemIo {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> ProblemIo<T> {
    /// Writes what a rewrite left pending; ready once nothing is left.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n = match Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]) {
                Poll::Ready(Ok(n)) => n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            };
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match this.poll_pending(cx) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        if let Some(rewritten) = rewrite(buf) {
            this.pending = rewritten;
            this.written = 0;
            // The caller's bytes count as written; the rewrite goes out now or on flush.
            let _ = this.poll_pending(cx);
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.poll_pending(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_flush(cx),
            other => other,
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.poll_pending(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut self.inner).poll_shutdown(cx),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn empty_codec_refusals_become_problems() {
        let head = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\nconnection: close\r\ndate: Thu, 03 Dec 2026 23:50:00 GMT\r\n\r\n";
        let out = String::from_utf8(rewrite(head).unwrap()).unwrap();
        assert!(out.starts_with("HTTP/1.1 431 "), "{out}");
        assert!(
            out.contains("content-type: application/problem+json\r\n"),
            "{out}"
        );
        assert!(!out.contains("content-length: 0\r\n"), "{out}");
        let (head, body) = out.split_once("\r\n\r\n").unwrap();
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{out}"
        );
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"], 431);
    }

    #[test]
    fn application_responses_pass_untouched() {
        for bytes in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-length: 120\r\ncontent-type: application/problem+json\r\n\r\n"[..],
            b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\nHTTP/1.1 200 OK\r\n",
        ] {
            assert!(rewrite(bytes).is_none());
        }
    }
}
