//! The rows of one order: article rows (SKU = ArticleNumber), free-text rows on the sales
//! account of their VAT rate, gift cards sold on the gift card liability account at 0 %, the
//! order's discount split over its VAT rates, and shipping (`super::shipping`).

use std::collections::BTreeMap;

use rust_decimal::Decimal;

use super::shipping::{self, MovedFreight};
use super::{ArticlePlan, IfMissing, if_missing};
use crate::config::{AccountMap, OrdersConfig, UnitSource, rate_key};
use crate::convert::Conversion;
use crate::convert::{cut, no_sales_account, round_ore};
use crate::diagnostic::Diagnostic;
use crate::fortnox::model_documents::{ArticleRequest, SalesRow};
use crate::parse::orders::{Discount, Order};

/// Fortnox's limits.
const DESCRIPTION_MAX: usize = 255;
/// Fortnox's limit on an article's description.
const ARTICLE_DESCRIPTION_MAX: usize = 200;
const ARTICLE_NUMBER_MAX: usize = 50;
const UNIT_MAX: usize = 6;

pub struct Built {
    pub rows: Vec<SalesRow>,
    pub articles: Vec<ArticlePlan>,
    pub units: Vec<String>,
    pub freight: Option<Decimal>,
    /// Shipping sent as a row that releases before this one sent in `Freight`.
    pub moved_freight: Option<MovedFreight>,
    /// Sum of the row amounts and freight, as exported (for `check`).
    pub total: Decimal,
}

fn decimals(d: Decimal) -> u32 {
    d.normalize().scale()
}

/// The rows of `order`, whose prices include VAT when `included`.
pub fn build(
    order: &Order,
    config: &OrdersConfig,
    map: &AccountMap,
    included: bool,
    out: &mut Conversion,
) -> Built {
    let id = &order.id;
    let errors_before = out.errors.len();
    let ordered = config.create != crate::config::CreateDocument::Invoice;
    let mut built = Built {
        rows: Vec::new(),
        articles: Vec::new(),
        units: Vec::new(),
        freight: None,
        moved_freight: None,
        total: Decimal::ZERO,
    };
    let mut base_by_rate: BTreeMap<String, (Decimal, Decimal)> = BTreeMap::new();
    let sales_account = |rate: &str, line: usize, out: &mut Conversion| {
        let account = map.sales.get(rate).copied();
        if account.is_none() {
            out.errors.push(no_sales_account(line, &format!("order `{id}`"), rate, ""));
        }
        account
    };
    for line in &order.lines {
        // A gift card is booked at 0 % whatever its row says (a liability, not a sale).
        let given = config.vat_rate_given.then_some(config.vat_rate);
        let Some(rate) = line.vat_rate.or(given).or(line.gift_card.then_some(Decimal::ZERO)) else {
            out.errors.push(
                Diagnostic::at(line.line, format!("order `{id}`: the row has no VAT rate"))
                    .hint("fill in its vat_rate (25, 12, 6 or 0); to book every row without one at a single rate, set [orders] vat_rate"),
            );
            continue;
        };
        let rate = rate.normalize();
        let key = rate_key(rate);
        let mut quantity = line.quantity;
        let mut price = line.unit_price;
        let mut description = line.description.clone();
        if decimals(quantity) > 2 {
            out.errors.push(
                Diagnostic::at(line.line, format!("order `{id}`: quantity {quantity} has more than two decimals"))
                    .hint("Fortnox keeps quantities to two decimals; use a smaller unit (g instead of kg)"),
            );
            continue;
        }
        if decimals(price) > 2 {
            // A line total that does not divide into whole öre: one row of the whole amount.
            let total = round_ore(price * quantity);
            description = format!("{} × {description}", quantity.normalize());
            price = total;
            quantity = Decimal::ONE;
            out.warnings.push(Diagnostic::at(
                line.line,
                format!(
                    "order `{id}`: the unit price is not whole öre; sent as one row of {total:.2}"
                ),
            ));
        }
        let gross = quantity * price;
        let row_total = match line.discount {
            Some(Discount::Amount(a)) => gross - a,
            Some(Discount::Percent(p)) => gross * (Decimal::ONE_HUNDRED - p) / Decimal::ONE_HUNDRED,
            None => gross,
        };
        built.total += round_ore(row_total);
        if !line.gift_card {
            let entry = base_by_rate.entry(key.clone()).or_insert((rate, Decimal::ZERO));
            entry.1 += row_total;
        }
        let mut row = SalesRow {
            article_number: None,
            description: cut(&description, DESCRIPTION_MAX, line.line, "row description", out),
            ordered_quantity: ordered.then_some(quantity),
            delivered_quantity: quantity,
            price,
            vat: rate,
            unit: None,
            discount: None,
            discount_type: None,
            account_number: None,
        };
        match line.discount {
            Some(Discount::Amount(a)) => {
                row.discount = Some(a);
                row.discount_type = Some("AMOUNT".to_owned());
            }
            Some(Discount::Percent(p)) => {
                row.discount = Some(p);
                row.discount_type = Some("PERCENT".to_owned());
            }
            None => {}
        }
        if line.gift_card {
            row.vat = Decimal::ZERO;
            row.account_number = Some(map.gift_cards);
            row.unit = Some(config.default_unit.clone());
        } else if let Some(sku) = line.sku.as_deref() {
            if sku.chars().count() > ARTICLE_NUMBER_MAX {
                out.errors.push(
                    Diagnostic::at(
                        line.line,
                        format!("order `{id}`: SKU `{sku}` is longer than 50 characters"),
                    )
                    .hint("Fortnox article numbers hold at most 50 characters"),
                );
                continue;
            }
            row.article_number = Some(sku.to_owned());
            row.unit = match config.unit {
                UnitSource::Column => line.unit.clone(),
                UnitSource::Article => None,
            };
            if !built.articles.iter().any(|a| a.article_number == sku) {
                let policy = if_missing(config);
                let account = map.sales.get(&key).copied();
                if policy != IfMissing::Hold && account.is_none() {
                    sales_account(&key, line.line, out);
                    continue;
                }
                let unit = line.unit.clone().unwrap_or_else(|| config.default_unit.clone());
                if policy != IfMissing::Hold && !built.units.contains(&unit) {
                    built.units.push(unit.clone());
                }
                built.articles.push(ArticlePlan {
                    article_number: sku.to_owned(),
                    if_missing: policy,
                    unit: (policy == IfMissing::FreeText).then(|| unit.clone()),
                    create: (policy == IfMissing::Create).then(|| ArticleRequest {
                        article_number: sku.to_owned(),
                        description: cut(
                            &line.description,
                            ARTICLE_DESCRIPTION_MAX,
                            line.line,
                            "article description",
                            out,
                        ),
                        kind: "STOCK".to_owned(),
                        unit: Some(unit.clone()),
                        vat: rate,
                        sales_account: account,
                    }),
                });
            }
        } else {
            let Some(account) = sales_account(&key, line.line, out) else { continue };
            row.account_number = Some(account);
            // Free-text rows have no article to take a unit from: the export's, else the default
            // (whatever `[orders] unit` says).
            row.unit = Some(line.unit.clone().unwrap_or_else(|| config.default_unit.clone()));
        }
        if let Some(unit) = &row.unit {
            if unit.chars().count() > UNIT_MAX {
                out.errors.push(
                    Diagnostic::at(
                        line.line,
                        format!("order `{id}`: unit `{unit}` is longer than 6 characters"),
                    )
                    .hint("Fortnox unit codes hold at most 6 characters, e.g. st, kg, förp"),
                );
                continue;
            }
            if !built.units.contains(unit) {
                built.units.push(unit.clone());
            }
        }
        built.rows.push(row);
    }
    discount_rows(order, map, &base_by_rate, ordered, &mut built, out);
    shipping::add(order, config, map, (ordered, included), &mut built, out);
    if built.rows.is_empty() && out.errors.len() == errors_before {
        out.errors.push(
            Diagnostic::at(order.line, format!("order `{id}` has no rows to post"))
                .hint("an order needs at least one row"),
        );
    }
    built
}

/// The order-level discount as negative rows, split over the VAT rates in proportion to the
/// rows' amounts (rounded to öre, the last rate takes what is left).
fn discount_rows(
    order: &Order,
    map: &AccountMap,
    base_by_rate: &BTreeMap<String, (Decimal, Decimal)>,
    ordered: bool,
    built: &mut Built,
    out: &mut Conversion,
) {
    let discount = order.order_discount;
    if discount.is_zero() {
        return;
    }
    let base: Decimal = base_by_rate.values().map(|(_, b)| *b).sum();
    if base.is_zero() {
        out.errors.push(
            Diagnostic::at(
                order.line,
                format!("order `{}`: a discount of {discount:.2} on nothing", order.id),
            )
            .hint("a discount needs rows to reduce"),
        );
        return;
    }
    let text = match &order.discount_code {
        Some(code) => format!("Rabatt {code}"),
        None => "Rabatt".to_owned(),
    };
    let mut left = discount;
    let count = base_by_rate.len();
    for (i, (key, (rate, amount))) in base_by_rate.iter().enumerate() {
        let share = if i + 1 == count { left } else { round_ore(discount * amount / base) };
        left -= share;
        let Some(&account) = map.sales.get(key) else {
            // Never drop a share silently: the invoice would overcharge.
            out.errors.push(no_sales_account(
                order.line,
                &format!("order `{}`", order.id),
                key,
                &format!(" for its share ({share:.2}) of the order discount"),
            ));
            continue;
        };
        built.total -= share;
        built.rows.push(SalesRow {
            article_number: None,
            description: if count > 1 { format!("{text} ({key} %)") } else { text.clone() },
            ordered_quantity: ordered.then_some(Decimal::ONE),
            delivered_quantity: Decimal::ONE,
            price: -share,
            vat: *rate,
            unit: None,
            discount: None,
            discount_type: None,
            account_number: Some(account),
        });
    }
}

#[cfg(test)]
mod tests;
