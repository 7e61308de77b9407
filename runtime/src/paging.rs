//! Query paging: a stream of pages that follows continuation tokens, and a stream of
//! the items in them.
//!
//! Boomi's queries answer at most 100 results with a `queryToken`; the next page comes
//! from `queryMore` with that token, until a page has no token. Generated clients wire
//! their query and query-more operations into [`pages`]; the loop lives here once.

use std::future::Future;

pub use futures::stream::BoxStream;
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
}
