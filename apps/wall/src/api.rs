//! The REST routes (axum), answering from the work log through a [`Site`].
//!
//! | method and path | answer |
//! |---|---|
//! | `GET /profiles/{p}/days/{d}/` | `{"day": "1", "ice_amount": "585"}` |
//! | `GET /profiles/{p}/overview/{d}/` | `{"day": "1", "cost": "1,111,500"}` |
//! | `GET /profiles/overview/{d}/` | `{"day": "1", "cost": "3,334,500"}` |
//! | `GET /profiles/overview/` | `{"day": null, "cost": "32,233,500"}` |
//! | `POST /profiles/config/` | a new configuration as the body: 201, or 200 when it is the current one |
//! | `GET /profiles/config/` | the current configuration and how far it is built |
//! | `GET /logs/?page=&per_page=` or `?offset=&limit=` | the work log, newest last |
//!
//! Every path works with or without its final slash. Errors are
//! `{"error": {"code": "…", "message": "…"}}`: 400 for a bad configuration, day or query,
//! 404 for an unknown profile (or no wall yet), 409 `still_building` (with `Retry-After`)
//! while the work an answer depends on is not all recorded yet, 413 for a configuration
//! over the body limit (2 MB).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde::Serialize;
use serde_json::json;

use crate::config::WallConfig;
use crate::error::{Result, WallError};
use crate::format::thousands;
use crate::site::Site;

/// The most log entries one page holds.
pub const MAX_PAGE: u64 = 1000;

/// The log entries a page holds unless asked otherwise.
pub const DEFAULT_PAGE: u64 = 100;

/// The routes, over `site`.
pub fn router(site: Arc<Site>) -> Router {
    let routes: [(&str, MethodRouter<Arc<Site>>); 6] = [
        ("/profiles/{profile}/days/{day}", get(ice_on_day)),
        ("/profiles/{profile}/overview/{day}", get(profile_cost)),
        ("/profiles/overview/{day}", get(wall_cost_on_day)),
        ("/profiles/overview", get(wall_cost)),
        ("/profiles/config", get(progress).post(configure)),
        ("/logs", get(logs)),
    ];
    let mut router = Router::new();
    for (path, route) in routes {
        router = router
            .route(path, route.clone())
            .route(&format!("{path}/"), route);
    }
    router.fallback(no_route).with_state(site)
}

/// An error as its JSON answer.
impl IntoResponse for WallError {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status.is_server_error() {
            tracing::error!("{self}");
        }
        let body = json!({"error": {"code": self.code(), "message": self.to_string()}});
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(self, WallError::StillBuilding { .. }) {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// Reads a day from the path: a whole number of 1 or more.
fn parse_day(text: &str) -> Result<u64> {
    match text.parse::<u64>() {
        Ok(0) => Err(WallError::InvalidDay(
            "day 0 is below 1; days count from 1".into(),
        )),
        Ok(day) => Ok(day),
        Err(_)
            if text.len() > 1
                && text.starts_with('-')
                && text[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            Err(WallError::InvalidDay(format!(
                "day {text} is below 1; days count from 1"
            )))
        }
        Err(_) => Err(WallError::InvalidDay(format!(
            "{text:?} is not a day; days are whole numbers from 1"
        ))),
    }
}

/// Reads a profile from the path; text that is no number names no profile (404).
async fn parse_profile(site: &Site, text: &str) -> Result<u64> {
    match text.parse::<u64>() {
        Ok(profile) => Ok(profile),
        Err(_) => Err(WallError::UnknownProfile {
            profile: text.to_owned(),
            count: site.current().await?.wall.profiles().len(),
        }),
    }
}

/// `{"day": "1", "ice_amount": "585"}`, fields in the seed's order.
#[derive(Debug, Serialize)]
struct IceOnDay {
    day: String,
    ice_amount: String,
}

/// `{"day": "1", "cost": "1,111,500"}`, or `{"day": null, …}` for the finished wall.
#[derive(Debug, Serialize)]
struct CostThrough {
    day: Option<String>,
    cost: String,
}

async fn ice_on_day(
    State(site): State<Arc<Site>>,
    Path((profile, day)): Path<(String, String)>,
) -> Result<axum::Json<IceOnDay>> {
    let day = parse_day(&day)?;
    let profile = parse_profile(&site, &profile).await?;
    let ice = site.ice_on_day(profile, day).await?;
    Ok(axum::Json(IceOnDay {
        day: day.to_string(),
        ice_amount: thousands(ice),
    }))
}

async fn profile_cost(
    State(site): State<Arc<Site>>,
    Path((profile, day)): Path<(String, String)>,
) -> Result<axum::Json<CostThrough>> {
    let day = parse_day(&day)?;
    let profile = parse_profile(&site, &profile).await?;
    let cost = site.profile_cost(profile, day).await?;
    Ok(axum::Json(CostThrough {
        day: Some(day.to_string()),
        cost: thousands(cost),
    }))
}

async fn wall_cost_on_day(
    State(site): State<Arc<Site>>,
    Path(day): Path<String>,
) -> Result<axum::Json<CostThrough>> {
    let day = parse_day(&day)?;
    let cost = site.wall_cost(Some(day)).await?;
    Ok(axum::Json(CostThrough {
        day: Some(day.to_string()),
        cost: thousands(cost),
    }))
}

async fn wall_cost(State(site): State<Arc<Site>>) -> Result<axum::Json<CostThrough>> {
    let cost = site.wall_cost(None).await?;
    Ok(axum::Json(CostThrough {
        day: None,
        cost: thousands(cost),
    }))
}

async fn progress(State(site): State<Arc<Site>>) -> Result<Response> {
    Ok(axum::Json(site.progress().await?).into_response())
}

async fn configure(
    State(site): State<Arc<Site>>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            WallError::TooLarge(format!("the configuration is too large: {}", e.body_text()))
        } else {
            WallError::InvalidConfig(format!("reading the body: {}", e.body_text()))
        }
    })?;
    let text = std::str::from_utf8(&body).map_err(|e| {
        WallError::InvalidConfig(format!("the configuration is not UTF-8 text ({e})"))
    })?;
    let wall = WallConfig::parse(text)?;
    let configured = site.configure(wall).await?;
    let status = if configured.replaced {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(configured)).into_response())
}

async fn logs(
    State(site): State<Arc<Site>>,
    query: std::result::Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response> {
    let Query(pairs) = query.map_err(|e| WallError::InvalidInput(e.body_text()))?;
    let (offset, limit) = paging(&pairs)?;
    Ok(axum::Json(site.logs(offset, limit).await?).into_response())
}

/// Reads `page` and `per_page` (pages count from 1), or `offset` and `limit`; not both.
fn paging(pairs: &[(String, String)]) -> Result<(u64, u64)> {
    let mut found = [None; 4];
    let names = ["page", "per_page", "offset", "limit"];
    for (key, value) in pairs {
        let Some(i) = names.iter().position(|name| name == key) else {
            return Err(WallError::InvalidInput(format!(
                "unknown parameter {key:?}; /logs/ takes page and per_page, or offset and limit"
            )));
        };
        let n = value.parse::<u64>().map_err(|_| {
            WallError::InvalidInput(format!("{key}={value:?} is not a whole number"))
        })?;
        found[i] = Some(n);
    }
    let [page, per_page, offset, limit] = found;
    if (page.is_some() || per_page.is_some()) && (offset.is_some() || limit.is_some()) {
        return Err(WallError::InvalidInput(
            "give page and per_page, or offset and limit, not both".into(),
        ));
    }
    let size = per_page.or(limit).unwrap_or(DEFAULT_PAGE);
    if size == 0 || size > MAX_PAGE {
        return Err(WallError::InvalidInput(format!(
            "a page holds 1 to {MAX_PAGE} entries, not {size}"
        )));
    }
    let offset = match (page, offset) {
        (Some(0), _) => {
            return Err(WallError::InvalidInput("pages count from 1".into()));
        }
        (Some(page), _) => (page - 1).saturating_mul(size),
        (None, offset) => offset.unwrap_or(0),
    };
    Ok((offset, size))
}

async fn no_route() -> Response {
    let body = json!({"error": {"code": "no_route", "message": "no such route; see the README for the routes"}});
    (StatusCode::NOT_FOUND, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn days_count_from_one() {
        assert_eq!(parse_day("1").unwrap(), 1);
        assert!(parse_day("0").unwrap_err().to_string().contains("below 1"));
        assert!(
            parse_day("-3")
                .unwrap_err()
                .to_string()
                .contains("day -3 is below 1")
        );
        assert!(
            parse_day("x")
                .unwrap_err()
                .to_string()
                .contains("not a day")
        );
        assert!(parse_day("1.5").is_err());
        assert!(parse_day("99999999999999999999999").is_err());
    }

    #[test]
    fn pages_and_offsets() {
        assert_eq!(paging(&[]).unwrap(), (0, DEFAULT_PAGE));
        let page = pairs(&[("page", "3"), ("per_page", "10")]);
        assert_eq!(paging(&page).unwrap(), (20, 10));
        let offset = pairs(&[("offset", "5"), ("limit", "2")]);
        assert_eq!(paging(&offset).unwrap(), (5, 2));
        assert!(paging(&pairs(&[("page", "0")])).is_err());
        assert!(paging(&pairs(&[("limit", "0")])).is_err());
        assert!(paging(&pairs(&[("limit", "1001")])).is_err());
        assert!(paging(&pairs(&[("page", "1"), ("offset", "1")])).is_err());
        assert!(paging(&pairs(&[("sort", "x")])).is_err());
    }
}
