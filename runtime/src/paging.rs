//! Query paging: a stream of pages that follows continuation tokens, and a stream of
//! the items in them.
//!
//! Boomi's queries answer at most 100 results with a `queryToken`; the next page comes
//! from `queryMore` with that token, until a page has no token. Generated clients wire
//! their query and query-more operations into [`pages`]; the loop lives here once.

use std::future::Future;

pub use futures::stream::BoxStream;
pub use reqwest::header::HeaderMap;
use futures::{StreamExt, stream};

use super::Error;

enum Step<'a, P, E> {
    First(futures::future::BoxFuture<'a, Result<P, Error<E>>>),
    More(String),
    Done,
}

/// Pages of a query: `first` is the query itself, `next` fetches the page after a
/// token, and `token` reads the continuation token of a page. The stream ends after a
/// page without a token (or with an empty one), or after the first error.
pub fn pages<'a, P, E, F, Fut>(
    first: impl Future<Output = Result<P, Error<E>>> + Send + 'a,
    next: F,
    token: fn(&P) -> Option<String>,
) -> BoxStream<'a, Result<P, Error<E>>>
where
    P: Send + 'a,
    E: Send + 'a,
    F: Fn(String) -> Fut + Send + 'a,
    Fut: Future<Output = Result<P, Error<E>>> + Send + 'a,
{
    stream::unfold((Step::First(Box::pin(first)), next), move |(step, next)| async move {
        let result = match step {
            Step::Done => return None,
            Step::First(first) => first.await,
            Step::More(t) => next(t).await,
        };
        let following = match &result {
            Ok(page) => match token(page) {
                Some(t) if !t.is_empty() => Step::More(t),
                _ => Step::Done,
            },
            Err(_) => Step::Done,
        };
        Some((result, (following, next)))
    })
    .boxed()
}

/// Pages of any paging style: `fetch` gets the page for a state (a page number, an
/// offset, a cursor, a next-page URL; `start` is the first), and `next` reads, from the
/// state and the page with its response headers, the state of the page after it, or
/// `None` after the last. The stream ends there or after the first error; a `next`
/// that returns the same state again also ends it, so a server that repeats itself
/// cannot loop a caller forever.
pub fn unfold<'a, S, P, E, F, Fut, N>(start: S, fetch: F, next: N) -> BoxStream<'a, Result<P, Error<E>>>
where
    S: Clone + PartialEq + Send + 'a,
    P: Send + 'a,
    E: Send + 'a,
    F: Fn(S) -> Fut + Send + 'a,
    Fut: Future<Output = Result<(P, HeaderMap), Error<E>>> + Send + 'a,
    N: Fn(&S, &P, &HeaderMap) -> Option<S> + Send + 'a,
{
    stream::unfold((Some(start), fetch, next), |(state, fetch, next)| async move {
        let state = state?;
        match fetch(state.clone()).await {
            Ok((page, headers)) => {
                let following = next(&state, &page, &headers).filter(|n| *n != state);
                Some((Ok(page), (following, fetch, next)))
            }
            Err(err) => Some((Err(err), (None, fetch, next))),
        }
    })
    .boxed()
}

/// A page with no response headers beside it, for [`unfold`] over an operation whose
/// next page does not come from its headers.
pub fn without_headers<'a, P, E>(
    page: futures::future::BoxFuture<'a, Result<P, Error<E>>>,
) -> futures::future::BoxFuture<'a, Result<(P, HeaderMap), Error<E>>>
where
    P: Send + 'a,
    E: Send + 'a,
{
    Box::pin(async move { page.await.map(|page| (page, HeaderMap::new())) })
}

/// The `rel="next"` target of RFC 8288 `Link` headers (GitHub's paging), if any.
pub fn link_next(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all(reqwest::header::LINK) {
        let Ok(text) = value.to_str() else { continue };
        for link in split_links(text) {
            let link = link.trim();
            let Some(end) = link.find('>') else { continue };
            let Some(target) = link[..end].trim().strip_prefix('<') else { continue };
            let is_next = link[end + 1..].split(';').any(|param| {
                let Some((name, value)) = param.split_once('=') else { return false };
                name.trim().eq_ignore_ascii_case("rel")
                    && value.trim().trim_matches('"').split_ascii_whitespace().any(|r| r.eq_ignore_ascii_case("next"))
            });
            if is_next && !target.is_empty() {
                return Some(target.to_owned());
            }
        }
    }
    None
}

/// The links of one `Link` header value: split at commas outside `<…>` and quotes.
fn split_links(text: &str) -> Vec<&str> {
    let (mut links, mut start, mut in_target, mut in_quotes) = (Vec::new(), 0, false, false);
    for (i, c) in text.char_indices() {
        match c {
            '<' if !in_quotes => in_target = true,
            '>' if !in_quotes => in_target = false,
            '"' if !in_target => in_quotes = !in_quotes,
            ',' if !in_target && !in_quotes => {
                links.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    links.push(&text[start..]);
    links
}

/// The items of every page, in order; `items` takes them out of a page.
pub fn items<'a, P, T, E>(
    pages: BoxStream<'a, Result<P, Error<E>>>,
    items: fn(P) -> Vec<T>,
) -> BoxStream<'a, Result<T, Error<E>>>
where
    P: Send + 'a,
    T: Send + 'a,
    E: Send + 'a,
{
    pages
        .flat_map(move |page| match page {
            Ok(page) => stream::iter(items(page).into_iter().map(Ok).collect::<Vec<_>>()),
            Err(err) => stream::iter(vec![Err(err)]),
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::TryStreamExt;

    #[derive(Debug)]
    struct Page {
        items: Vec<u32>,
        token: Option<String>,
    }

    async fn fetch(token: String) -> Result<Page, Error<()>> {
        match token.as_str() {
            "t1" => Ok(Page { items: vec![3, 4], token: Some("t2".into()) }),
            "t2" => Ok(Page { items: vec![5], token: Some(String::new()) }),
            _ => Err(Error::InvalidRequest(format!("unknown token {token}"))),
        }
    }

    #[tokio::test]
    async fn follows_tokens_until_none_is_left() {
        let first = async { Ok(Page { items: vec![1, 2], token: Some("t1".into()) }) };
        let all: Vec<u32> = items(pages(first, fetch, |p: &Page| p.token.clone()), |p| p.items)
            .try_collect()
            .await
            .expect("all pages");
        assert_eq!(all, [1, 2, 3, 4, 5]);
    }

    #[tokio::test]
    async fn stops_after_an_error() {
        let first = async { Ok(Page { items: vec![1], token: Some("bad".into()) }) };
        let results: Vec<Result<Page, Error<()>>> = pages(first, fetch, |p: &Page| p.token.clone()).collect().await;
        assert_eq!(results.len(), 2);
        assert!(results[1].is_err());
    }

    #[tokio::test]
    async fn unfold_walks_page_numbers_and_stops_on_a_repeated_state() {
        let fetch = |n: u32| async move { Ok::<_, Error<()>>((vec![n; 2], HeaderMap::new())) };
        let pages: Vec<Vec<u32>> = unfold(1, fetch, |n, _, _| Some((*n + 1).min(3))).try_collect().await.expect("pages");
        assert_eq!(pages, [vec![1, 1], vec![2, 2], vec![3, 3]], "3 then 3 again ends the stream");
    }

    #[tokio::test]
    async fn unfold_stops_after_an_error() {
        let fetch = |n: u32| async move {
            if n == 2 { Err(Error::<()>::InvalidRequest("boom".into())) } else { Ok((n, HeaderMap::new())) }
        };
        let results: Vec<Result<u32, Error<()>>> = unfold(1, fetch, |n, _, _| Some(n + 1)).collect().await;
        assert_eq!(results.len(), 2);
        assert!(results[1].is_err());
    }

    #[test]
    fn link_next_reads_rfc_8288() {
        let mut headers = HeaderMap::new();
        headers.insert(
            reqwest::header::LINK,
            "<https://api.github.com/repos?page=1>; rel=\"prev\", <https://api.github.com/repos?page=3&q=a,b>; rel=\"next\", <https://x/last>; rel=\"last\""
                .parse()
                .expect("header"),
        );
        assert_eq!(link_next(&headers).as_deref(), Some("https://api.github.com/repos?page=3&q=a,b"));
        headers.insert(reqwest::header::LINK, "<https://x/1>; rel=\"prev first\"".parse().expect("header"));
        assert_eq!(link_next(&headers), None);
        headers.insert(reqwest::header::LINK, "</items?cursor=abc>; title=\"a, b\"; REL=next".parse().expect("header"));
        assert_eq!(link_next(&headers).as_deref(), Some("/items?cursor=abc"));
        assert_eq!(link_next(&HeaderMap::new()), None);
    }
}
